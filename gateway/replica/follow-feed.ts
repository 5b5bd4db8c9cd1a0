// Split mode: the replica follows the admin's change feed over HTTP. It pages
// through the snapshot (everything newer than its sequence), then long-polls:
// the admin holds the request until a key changes, so a revocation reaches
// every gateway within one round trip. When the admin is unreachable the
// gateway keeps serving from what it has, reports itself stale once no sync
// has succeeded for `staleAfterMs`, retries with capped backoff, and catches
// up from its sequence when the admin returns. A page is parsed against the
// feed's contract before any of it is applied: one that does not parse is
// refused whole, logged and retried like a failed poll.
import { Pool } from 'undici';
import {
  CHANGES_PATH,
  InvalidChangesPageError,
  LAST_USED_PATH,
  NEXT_SINCE_HEADER,
  parseChangesPage,
  type ChangesPage,
} from '../../core/change-feed.js';
import type { Clock } from '../../core/clock.js';
import { activityBatchToJson, type KeyActivityBatch } from '../../core/key-activity.js';
import type { Logger } from '../../core/logger.js';
import type { KeyReplica } from './key-replica.js';

export interface FeedFollowerOptions {
  /** Base URL of the admin's sync listener, e.g. http://127.0.0.1:8082. */
  syncUrl: string;
  token: string;
  replica: KeyReplica;
  clock: Clock;
  logger: Logger;
  pollWaitMs: number;
  staleAfterMs: number;
  pageSize?: number;
  maxBackoffMs?: number;
}

export interface FeedFollower {
  /** Resolves after the first complete snapshot; rejects only if closed first. */
  readonly ready: Promise<void>;
  /** True when no sync has succeeded for staleAfterMs (or none ever has). */
  stale(): boolean;
  lastSyncAt(): number | undefined;
  /** Send a batch of key activity to the admin; rejects on failure so the batcher keeps it for the next flush. */
  pushActivity(batch: KeyActivityBatch): Promise<void>;
  close(): Promise<void>;
}

/** A page as its headers arrive: where the next page starts (when the admin says), and the page itself. */
interface PageResponse {
  readonly nextSince: number | undefined;
  readonly page: Promise<ChangesPage>;
}

/** What a refusal from the feed means, in the words an operator needs to fix it. */
export function feedRefusal(status: number, syncUrl: string): string {
  if (status === 404) {
    return `change feed answered 404 at ${syncUrl}${CHANGES_PATH}: the URL must be the admin's sync listener (its SYNC_PORT, default 8082), not its API port`;
  }
  if (status === 401 || status === 403) return `change feed answered ${status}: SYNC_TOKEN does not match the admin's`;
  return `change feed answered ${status}`;
}

export function followFeed(options: FeedFollowerOptions): FeedFollower {
  const { replica, clock, logger, token } = options;
  const pageSize = options.pageSize ?? 5000;
  const maxBackoffMs = options.maxBackoffMs ?? 5000;
  const pool = new Pool(options.syncUrl, { connections: 2, keepAliveTimeout: options.pollWaitMs + 10_000 });
  const authorization = `Bearer ${token}`;
  const stopping = new AbortController();
  let lastSyncAt: number | undefined;
  let failures = 0;
  let markReady!: () => void;
  let failReady!: (err: Error) => void;
  const ready = new Promise<void>((resolve, reject) => {
    markReady = resolve;
    failReady = reject;
  });
  ready.catch(() => undefined); // a caller that never awaits must not see an unhandled rejection

  /** Resolves when the page's headers arrive; its body is read and parsed behind `page`. */
  async function requestPage(since: number, waitMs: number): Promise<PageResponse> {
    const response = await pool.request({
      method: 'GET',
      path: `${CHANGES_PATH}?since=${since}&limit=${pageSize}&waitMs=${waitMs}`,
      headers: { authorization },
      headersTimeout: waitMs + 10_000,
      bodyTimeout: 30_000,
      signal: stopping.signal,
    });
    if (response.statusCode !== 200) {
      await response.body.dump();
      throw new Error(feedRefusal(response.statusCode, options.syncUrl));
    }
    const nextSince = Number(response.headers[NEXT_SINCE_HEADER]);
    const page = response.body.json().then(parseChangesPage);
    page.catch(() => undefined); // awaited by run(); a failure there is handled there
    return { nextSince: Number.isSafeInteger(nextSince) && nextSince > since ? nextSince : undefined, page };
  }

  async function run(): Promise<void> {
    let hasMore = true;
    // While paging through a backlog, the next page is requested as soon as this one's headers say
    // where it starts, so the admin's query and serialization overlap the gateway's reading, parsing
    // and applying. (From an admin that does not send the header, pages simply follow one another.)
    let prefetched: Promise<PageResponse> | undefined;
    while (!stopping.signal.aborted) {
      try {
        const next: Promise<PageResponse> = prefetched ?? requestPage(replica.seq, replica.loaded && !hasMore ? options.pollWaitMs : 0);
        prefetched = undefined;
        const response: PageResponse = await next;
        if (response.nextSince !== undefined) {
          prefetched = requestPage(response.nextSince, 0);
          prefetched.catch(() => undefined); // awaited next turn; a failure there is handled there
        }
        const page: ChangesPage = await response.page;
        replica.apply(page.records);
        hasMore = page.hasMore;
        lastSyncAt = clock.now();
        if (failures > 0) logger.info({ seq: replica.seq }, 'change feed reachable again; replica catching up');
        failures = 0;
        if (!hasMore && !replica.loaded) {
          replica.markLoaded();
          logger.info({ keys: replica.size, seq: replica.seq }, 'key replica loaded from the change feed');
          markReady();
        }
      } catch (err) {
        prefetched = undefined;
        if (stopping.signal.aborted) break;
        if (failures === 0) {
          const msg =
            err instanceof InvalidChangesPageError
              ? 'change feed page refused; serving from the last replica'
              : 'change feed unreachable; serving from the last replica';
          logger.warn({ err: String(err), seq: replica.seq }, msg);
        }
        failures += 1;
        await delay(Math.min(100 * 2 ** Math.min(failures, 10), maxBackoffMs), stopping.signal);
      }
    }
  }

  logger.info({ feed: `${options.syncUrl}${CHANGES_PATH}` }, 'following the admin change feed');
  const loop = run();

  return {
    ready,
    stale: () => lastSyncAt === undefined || clock.now() - lastSyncAt > options.staleAfterMs,
    lastSyncAt: () => lastSyncAt,
    async pushActivity(batch) {
      if (batch.lastUsed.size === 0 && batch.usage.length === 0) return;
      const response = await pool.request({
        method: 'POST',
        path: LAST_USED_PATH,
        headers: { authorization, 'content-type': 'application/json' },
        body: JSON.stringify(activityBatchToJson(batch)),
        headersTimeout: 5000,
        bodyTimeout: 5000,
      });
      await response.body.dump();
      if (response.statusCode !== 204) throw new Error(`activity endpoint answered ${response.statusCode}`);
    },
    async close() {
      stopping.abort();
      failReady(new Error('feed follower closed before the replica loaded'));
      await loop;
      await pool.close();
    },
  };
}

function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
