// Where the data plane's keys come from: one contract (the replica it reads,
// its readiness, where key activity is noted, close) with two adapters.
// `start` follows the key store in its own process and hands activity to the
// store's own batcher; `gateway` follows the admin's change feed over HTTP and
// posts activity batches (last-used times, usage counts) back to it.
import { createActivityBatcher, type LastUsedSink, type UsageSink } from '../../core/activity-batcher.js';
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

/** Where a successful authentication and an answered request are noted: cheap calls, delivered off the request path. */
export type ActivitySink = LastUsedSink & UsageSink;

export interface KeySource {
  /** What the data plane looks keys up in; `loaded` once the first snapshot is in. */
  readonly replica: KeyReplica;
  /** Resolves once the first snapshot is applied; rejects only if closed first. */
  readonly ready: Promise<void>;
  /** For /readyz and metrics. */
  status(): KeySourceStatus;
  readonly activity: ActivitySink;
  /** Stop following; deliver and close what the source owns. */
  close(): Promise<void>;
}

export interface StoreKeySourceOptions {
  /** The key store of this process (admin/store satisfies ChangeSource). */
  store: ChangeSource;
  /** The store's own activity batcher: its owner flushes and closes it, not this source. */
  activity: ActivitySink;
  logger: Logger;
  pageSize?: number;
}

/** Follow the store in process: loaded before this returns, never stale. */
export function storeKeySource({ store, activity, logger, pageSize }: StoreKeySourceOptions): KeySource {
  const replica = new KeyReplica();
  const following = followStore(store, replica, pageSize);
  logger.info({ keys: replica.size, seq: replica.seq }, 'key replica loaded from the store');
  return {
    replica,
    ready: Promise.resolve(),
    status: () => ({ ...replica.status(), stale: false, lastSyncAt: undefined }),
    activity,
    async close() {
      following.close();
    },
  };
}

export interface FeedKeySourceOptions extends Omit<FeedFollowerOptions, 'replica'> {
  /** How often activity batches are posted to the admin. */
  activityFlushMs: number;
}

/** Follow the admin's change feed; key activity goes back to the admin in batches. */
export function feedKeySource(options: FeedKeySourceOptions): KeySource {
  const { activityFlushMs, ...followerOptions } = options;
  const { logger } = options;
  const replica = new KeyReplica();
  const feed = followFeed({ ...followerOptions, replica });
  const activity = createActivityBatcher({
    flush: (batch) => feed.pushActivity(batch),
    intervalMs: activityFlushMs,
    onError: (err, batch) =>
      logger.warn(
        { err: String(err), keys: batch.lastUsed.size, usageRows: batch.usage.length },
        'activity batch not delivered; will retry',
      ),
  });
  return {
    replica,
    ready: feed.ready,
    status: () => ({ ...replica.status(), stale: feed.stale(), lastSyncAt: feed.lastSyncAt() }),
    activity,
    async close() {
      await activity.close();
      await feed.close();
    },
  };
}
