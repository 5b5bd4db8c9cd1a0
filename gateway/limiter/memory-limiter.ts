// Token buckets in this process's memory: exact for one gateway instance, and
// per instance when several run (each allows the full limit). Used without
// REDIS_URL and as the fallback while Redis is unreachable in `open` mode.
// `take` answers as 'memory'; the resilient limiter's fallback uses `takeAs`
// so its decisions say 'fallback', from the same buckets.
import type { Clock } from '../../core/clock.js';
import { createBucketStore, type BucketStore } from './bucket-store.js';
import { msUntilFull, takeTokens } from './token-bucket.js';
import type { LimitDecision, LimiterBackend, RateLimiter, RateLimitSpec } from './types.js';

/** What a memory answer may say it is: never 'redis'. */
export type MemoryBackend = Exclude<LimiterBackend, 'redis'>;

export interface MemoryLimiterOptions {
  clock: Clock;
  /** Most buckets held at once (default and eviction: bucket-store.ts). */
  maxBuckets?: number;
  sweepIntervalMs?: number;
}

export interface MemoryLimiter extends RateLimiter {
  /** Always synchronous: the decision itself, never a promise (the fallback path relies on it). */
  take(bucketId: string, cost: number, spec: RateLimitSpec): LimitDecision;
  /** `take`, with the decision saying `backend` answered. */
  takeAs(bucketId: string, cost: number, spec: RateLimitSpec, backend: MemoryBackend): LimitDecision;
  /**
   * Set a bucket to `tokens` now (what Redis last said about it), so a fallback during an outage
   * starts from the key's real usage instead of a full bucket.
   */
  seed(bucketId: string, tokens: number, spec: RateLimitSpec): void;
  readonly buckets: Pick<BucketStore, 'size' | 'sweep'>;
}

export function createMemoryLimiter(options: MemoryLimiterOptions): MemoryLimiter {
  const { clock } = options;
  const store = createBucketStore({ clock, maxEntries: options.maxBuckets, sweepIntervalMs: options.sweepIntervalMs });

  function takeAs(bucketId: string, cost: number, spec: RateLimitSpec, backend: MemoryBackend): LimitDecision {
    const result = takeTokens(store.get(bucketId), clock.now(), cost, spec, backend);
    // A refusal changes nothing, so only successful takes are written.
    if (result.decision.allowed) store.set(bucketId, result.state, result.fullAtMs);
    return result.decision;
  }

  function seed(bucketId: string, tokens: number, spec: RateLimitSpec): void {
    // A full bucket is an unknown one: nothing to hold.
    if (tokens >= spec.requests) return store.delete(bucketId);
    const now = clock.now();
    store.set(bucketId, { tokens, updatedAtMs: now }, now + msUntilFull(tokens, spec));
  }

  return {
    take: (bucketId, cost, spec) => takeAs(bucketId, cost, spec, 'memory'),
    takeAs,
    seed,
    backend: () => 'memory',
    buckets: store,
    close: async () => {},
  };
}
