// Where the data plane's keys come from: one contract (the replica it reads,
// its readiness, where last use is noted, close) with two adapters. `start`
// follows the key store in its own process; `gateway` follows the admin's
// change feed over HTTP and posts last-used batches back to it.
import { createLastUsedBatcher, type LastUsedBatcher } from '../../core/last-used.js';
import type { Logger } from '../../core/logger.js';
import { followFeed, type FeedFollowerOptions } from './follow-feed.js';
import { followStore, type ChangeSource } from './follow-store.js';
import { KeyReplica, type ReplicaStatus } from './key-replica.js';

export interface KeySourceStatus extends ReplicaStatus {
  /** True when the replica may be behind: no sync has succeeded for the staleness window. */
  readonly stale: boolean;
  /** When a sync last succeeded (epoch ms); undefined for a source that is never behind, or before the first. */
  readonly lastSyncAt: number | undefined;
}

/** Where a successful authentication is noted: one cheap call, delivered off the request path. */
export type LastUsedSink = Pick<LastUsedBatcher, 'touch'>;

export interface KeySource {
  /** What the data plane looks keys up in; `loaded` once the first snapshot is in. */
  readonly replica: KeyReplica;
  /** Resolves once the first snapshot is applied; rejects only if closed first. */
  readonly ready: Promise<void>;
  /** For /readyz and metrics. */
  status(): KeySourceStatus;
  readonly lastUsed: LastUsedSink;
  /** Stop following; deliver and close what the source owns. */
  close(): Promise<void>;
}

export interface StoreKeySourceOptions {
  /** The key store of this process (admin/store satisfies ChangeSource). */
  store: ChangeSource;
  /** The store's own last-used batcher: its owner flushes and closes it, not this source. */
  lastUsed: LastUsedSink;
  logger: Logger;
  pageSize?: number;
}

/** Follow the store in process: loaded before this returns, never stale. */
export function storeKeySource({ store, lastUsed, logger, pageSize }: StoreKeySourceOptions): KeySource {
  const replica = new KeyReplica();
  const following = followStore(store, replica, pageSize);
  logger.info({ keys: replica.size, seq: replica.seq }, 'key replica loaded from the store');
  return {
    replica,
    ready: Promise.resolve(),
    status: () => ({ ...replica.status(), stale: false, lastSyncAt: undefined }),
    lastUsed,
    async close() {
      following.close();
    },
  };
}

export interface FeedKeySourceOptions extends Omit<FeedFollowerOptions, 'replica'> {
  /** How often last-used batches are posted to the admin. */
  lastUsedFlushMs: number;
}

/** Follow the admin's change feed; last-used times go back to the admin in batches. */
export function feedKeySource(options: FeedKeySourceOptions): KeySource {
  const { lastUsedFlushMs, ...followerOptions } = options;
  const { logger } = options;
  const replica = new KeyReplica();
  const feed = followFeed({ ...followerOptions, replica });
  const lastUsed = createLastUsedBatcher({
    flush: (batch) => feed.pushLastUsed(batch),
    intervalMs: lastUsedFlushMs,
    onError: (err, batch) => logger.warn({ err: String(err), keys: batch.size }, 'last-used batch not delivered; will retry'),
  });
  return {
    replica,
    ready: feed.ready,
    status: () => ({ ...replica.status(), stale: feed.stale(), lastSyncAt: feed.lastSyncAt() }),
    lastUsed,
    async close() {
      await lastUsed.close();
      await feed.close();
    },
  };
}
