// Local refusals for buckets Redis has just reported empty (after
// envoyproxy/ratelimit's over-limit cache): under abuse, a key that is out of
// tokens costs this instance a Map lookup, not a Redis round trip.
//
// On a refusal from Redis we keep the tokens it reported, stamped with
// our own clock at receipt, and its reset time. A later take is refused
// locally while that state, refilled by our clock, still lacks the take's
// cost; the decision comes from the same maths, with Redis' reset time (a
// refusal consumes nothing, so it has not moved, and it stays on Redis'
// clock like every other X-RateLimit-Reset) and Retry-After recomputed from
// our clock. It never refuses what Redis would allow, give or take one round
// trip of refill: other instances can only have taken more tokens, and
// stamping at receipt delays the local refill by at most that round trip
// (and Redis reports tokens to a thousandth, rounded down: at most a
// thousandth of a token's refill more). An allowed answer from Redis forgets the entry. Memory is bounded like
// every bucket store. A local refusal says backend 'redis': the cache only
// mirrors Redis' last answer for the bucket and refuses on its behalf (used
// in Redis mode only; the fallback never reads it).
import type { Clock } from '../../core/clock.js';
import { createBucketStore } from './bucket-store.js';
import { msUntilFull, takeTokens, type BucketState } from './token-bucket.js';
import type { LimitDecision, RateLimitSpec } from './types.js';

export interface OverLimitCache {
  /** A local refusal, or undefined when Redis must be asked. */
  check(bucketId: string, cost: number, spec: RateLimitSpec): LimitDecision | undefined;
  /** Record Redis' answer for `bucketId`: its decision and the tokens left. */
  remember(bucketId: string, decision: LimitDecision, tokens: number, spec: RateLimitSpec): void;
  readonly size: number;
}

export function createOverLimitCache(options: { clock: Clock; maxEntries?: number }): OverLimitCache {
  const { clock } = options;
  const store = createBucketStore<BucketState & { resetAtSec: number }>({ clock, maxEntries: options.maxEntries ?? 10_000 });
  return {
    check(bucketId, cost, spec) {
      const state = store.get(bucketId);
      if (state === undefined) return undefined;
      const { decision } = takeTokens(state, clock.now(), cost, spec, 'redis');
      return decision.allowed ? undefined : { ...decision, resetAtSec: state.resetAtSec };
    },
    remember(bucketId, decision, tokens, spec) {
      if (decision.allowed) {
        store.delete(bucketId);
        return;
      }
      const now = clock.now();
      store.set(bucketId, { tokens, updatedAtMs: now, resetAtSec: decision.resetAtSec }, now + msUntilFull(tokens, spec));
    },
    get size() {
      return store.size;
    },
  };
}
