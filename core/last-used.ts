// Last-used timestamps, batched off the request path. A successful
// authentication only records `keyId → time` in memory (the latest time per
// key wins); the batch is handed to `flush` at most every `intervalMs` and on
// close. The admin flushes into SQLite, a split-mode gateway posts to the
// admin's change feed listener: the request path never waits on either.

export type LastUsedBatch = ReadonlyMap<string, number>;

export interface LastUsedBatcherOptions {
  /** Persist one batch (key id → epoch ms). A rejection keeps the batch for the next flush. */
  flush: (batch: LastUsedBatch) => void | Promise<void>;
  intervalMs?: number;
  /** Told about a failed flush; the batch is retried at the next one. */
  onError?: (err: unknown, batch: LastUsedBatch) => void;
}

export interface LastUsedBatcher {
  /** Note that `keyId` authenticated at `atMs`. Cheap: one Map write. */
  touch(keyId: string, atMs: number): void;
  /** Hand what is pending to `flush` now (tests and shutdown call this). */
  flush(): Promise<void>;
  /** Number of keys waiting for the next flush. */
  pending(): number;
  /** Stop the timer and flush what is pending; later touches are ignored. */
  close(): Promise<void>;
}

export const DEFAULT_LAST_USED_INTERVAL_MS = 5000;

export function createLastUsedBatcher(options: LastUsedBatcherOptions): LastUsedBatcher {
  const intervalMs = options.intervalMs ?? DEFAULT_LAST_USED_INTERVAL_MS;
  let pending = new Map<string, number>();
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> = Promise.resolve();
  let closed = false;

  const merge = (into: Map<string, number>, keyId: string, atMs: number): void => {
    const known = into.get(keyId);
    if (known === undefined || atMs > known) into.set(keyId, atMs);
  };

  // A timer only while something is pending, unref'd so it never holds the process open.
  const schedule = (): void => {
    if (timer || closed) return;
    timer = setTimeout(() => {
      timer = undefined;
      void flush();
    }, intervalMs);
    timer.unref();
  };

  async function deliver(batch: Map<string, number>): Promise<void> {
    try {
      await options.flush(batch);
    } catch (err) {
      for (const [keyId, atMs] of batch) merge(pending, keyId, atMs);
      options.onError?.(err, batch);
      if (!closed) schedule();
    }
  }

  // The batch is taken at once; deliveries run one after another so two
  // batches never race in the sink.
  function flush(): Promise<void> {
    if (pending.size > 0) {
      const batch = pending;
      pending = new Map();
      inFlight = inFlight.then(() => deliver(batch));
    }
    return inFlight;
  }

  return {
    touch(keyId, atMs) {
      if (closed) return;
      merge(pending, keyId, atMs);
      schedule();
    },
    flush,
    pending: () => pending.size,
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      await flush();
    },
  };
}
