// The rate-limiter contract that step 5 of the gateway pipeline codes against.
// Implementations: memory (one instance), Redis (shared by every instance),
// and the resilient wrapper that chooses between them when Redis fails.
import type { RateLimitSpec } from '../../config/policy-types.js';

/** The bucket spec is the policy's own type (a limit is written in the policy or the settings). */
export type { RateLimitSpec };

export interface LimitDecision {
  readonly allowed: boolean;
  /** The bucket's capacity. */
  readonly limit: number;
  /** Whole tokens left after this request (floor, never negative). */
  readonly remaining: number;
  /** Unix seconds, rounded up, at which the bucket is full again. */
  readonly resetAtSec: number;
  /** When refused: whole seconds (ceil, at least 1) until enough tokens for this cost; 0 when allowed. */
  readonly retryAfterSec: number;
  /** Who answered this decision: per request, so it holds under concurrency (unlike `RateLimiter.backend()`). */
  readonly backend: LimiterBackend;
}

/** memory: the in-memory limiter (no REDIS_URL); redis: Redis or its over-limit cache; fallback: memory while Redis is away. */
export type LimiterBackend = 'memory' | 'redis' | 'fallback';

export interface RateLimiter {
  /**
   * Take `cost` tokens from the bucket `bucketId` if it holds that many.
   * A backend that answers from memory returns the decision itself, so the
   * pipeline does not pay a promise and a microtask hop for a local answer;
   * a remote one returns a promise. Fails only with
   * ApiError('rate_limiter_unavailable') (503, Retry-After) when Redis is
   * unreachable and the failure mode is `closed`.
   */
  take(bucketId: string, cost: number, spec: RateLimitSpec): LimitDecision | Promise<LimitDecision>;
  /**
   * Which backend answered last (or the current state), for the backend gauge and logs. A global
   * state: the backend of one request is its decision's `backend`.
   */
  readonly backend: () => LimiterBackend;
  close(): Promise<void>;
}

/** Live counters owned by a limiter, read by logs and (later) metrics. */
export interface LimiterCounters {
  /** Requests Redis did not answer (failure or open breaker): memory answers in `open` mode, 503s in `closed`. */
  fallbacks: number;
  /** Redis calls that failed or timed out. */
  redisErrors: number;
  /** Requests refused from the over-limit cache without asking Redis. */
  localRefusals: number;
  breakerOpen: boolean;
}

/** What createLimiter returns: the contract plus what operations need. */
export interface ManagedLimiter extends RateLimiter {
  readonly counters: Readonly<LimiterCounters>;
  /**
   * Resolves true once the backend can answer (immediately for memory), or
   * false after `timeoutMs`. Call before listening in `closed` mode, where
   * requests are refused with 503 until Redis is connected.
   */
  ready(timeoutMs?: number): Promise<boolean>;
}
