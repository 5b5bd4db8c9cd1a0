// Key activity, batched off the request path. A successful authentication
// records `keyId → time` (the latest per key wins); a gateway's answered
// request adds one to its key's counter for the outcome in the current UTC
// hour. Both are handed to `flush` as one KeyActivityBatch at most every
// `intervalMs` and on close. The admin writes batches into SQLite, a
// split-mode gateway posts them to the admin's change feed listener: the
// request path never waits on either.
import { hourStartOf, type HourlyUsage, type KeyActivityBatch, type UsageCounts, type UsageOutcome } from './key-activity.js';

export interface ActivityBatcherOptions {
  /** Persist one batch. A rejection keeps the batch for the next flush. */
  flush: (batch: KeyActivityBatch) => void | Promise<void>;
  intervalMs?: number;
  /** Told about a failed flush; the batch is retried at the next one. */
  onError?: (err: unknown, batch: KeyActivityBatch) => void;
}

/** Where last use is noted: one cheap call. */
export interface LastUsedSink {
  /** Note that `keyId` authenticated at `atMs`: one Map write. */
  touch(keyId: string, atMs: number): void;
}

/** Where answered requests are counted: one cheap call. */
export interface UsageSink {
  /** Count one request of `keyId`, answered at `atMs` with `outcome`: one Map read and an increment. */
  count(keyId: string, atMs: number, outcome: UsageOutcome): void;
}

export interface ActivityBatcher extends LastUsedSink, UsageSink {
  /** Hand what is pending to `flush` now (tests and shutdown call this). */
  flush(): Promise<void>;
  /** Number of keys with something waiting for the next flush. */
  pending(): number;
  /** Stop the timer and flush what is pending; later calls are ignored. */
  close(): Promise<void>;
}

export const DEFAULT_ACTIVITY_FLUSH_MS = 5000;

/** One key's counts: the current hour's in place, earlier hours (an hour turned before a flush) as rows. */
interface KeyCounts extends UsageCounts {
  hourStartMs: number;
  earlier: HourlyUsage[] | undefined;
}

/** What accumulates between two flushes. */
class Pending {
  readonly lastUsed = new Map<string, number>();
  readonly usage = new Map<string, KeyCounts>();

  touch(keyId: string, atMs: number): void {
    const known = this.lastUsed.get(keyId);
    if (known === undefined || atMs > known) this.lastUsed.set(keyId, atMs);
  }

  /** Add `n` to `keyId`'s `outcome` in the hour of `atMs`. */
  add(keyId: string, hourStartMs: number, outcome: UsageOutcome, n: number): void {
    let counts = this.usage.get(keyId);
    if (counts === undefined) {
      counts = { hourStartMs, success: 0, rateLimited: 0, clientErrors: 0, serverErrors: 0, earlier: undefined };
      this.usage.set(keyId, counts);
    } else if (counts.hourStartMs !== hourStartMs) {
      (counts.earlier ??= []).push(row(keyId, counts));
      counts.hourStartMs = hourStartMs;
      counts.success = counts.rateLimited = counts.clientErrors = counts.serverErrors = 0;
    }
    counts[outcome] += n;
  }

  keys(): number {
    let n = this.lastUsed.size;
    for (const keyId of this.usage.keys()) if (!this.lastUsed.has(keyId)) n += 1;
    return n;
  }

  batch(): KeyActivityBatch {
    const usage: HourlyUsage[] = [];
    for (const [keyId, counts] of this.usage) {
      if (counts.earlier) usage.push(...counts.earlier);
      usage.push(row(keyId, counts));
    }
    return { lastUsed: this.lastUsed, usage };
  }
}

const row = (keyId: string, c: KeyCounts): HourlyUsage => ({
  keyId,
  hourStartMs: c.hourStartMs,
  success: c.success,
  rateLimited: c.rateLimited,
  clientErrors: c.clientErrors,
  serverErrors: c.serverErrors,
});

const OUTCOMES_OF_A_ROW: readonly UsageOutcome[] = ['success', 'rateLimited', 'clientErrors', 'serverErrors'];

export function createActivityBatcher(options: ActivityBatcherOptions): ActivityBatcher {
  const intervalMs = options.intervalMs ?? DEFAULT_ACTIVITY_FLUSH_MS;
  let pending = new Pending();
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> = Promise.resolve();
  let closed = false;

  // A timer only while something is pending, unref'd so it never holds the process open.
  const schedule = (): void => {
    if (timer || closed) return;
    timer = setTimeout(() => {
      timer = undefined;
      void flush();
    }, intervalMs);
    timer.unref();
  };

  // A failed batch goes back into what is pending: times merge (latest wins), counts add.
  function putBack(batch: KeyActivityBatch): void {
    for (const [keyId, atMs] of batch.lastUsed) pending.touch(keyId, atMs);
    for (const usage of batch.usage) {
      for (const outcome of OUTCOMES_OF_A_ROW) {
        if (usage[outcome] > 0) pending.add(usage.keyId, usage.hourStartMs, outcome, usage[outcome]);
      }
    }
  }

  async function deliver(batch: KeyActivityBatch): Promise<void> {
    try {
      await options.flush(batch);
    } catch (err) {
      putBack(batch);
      options.onError?.(err, batch);
      if (!closed) schedule();
    }
  }

  // The batch is taken at once; deliveries run one after another so two
  // batches never race in the sink.
  function flush(): Promise<void> {
    if (pending.lastUsed.size > 0 || pending.usage.size > 0) {
      const batch = pending.batch();
      pending = new Pending();
      inFlight = inFlight.then(() => deliver(batch));
    }
    return inFlight;
  }

  return {
    touch(keyId, atMs) {
      if (closed) return;
      pending.touch(keyId, atMs);
      schedule();
    },
    count(keyId, atMs, outcome) {
      if (closed) return;
      pending.add(keyId, hourStartOf(atMs), outcome, 1);
      schedule();
    },
    flush,
    pending: () => pending.keys(),
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      await flush();
    },
  };
}
