// The rate-limiter contract that step 5 of the gateway pipeline codes against.
// Implementations: memory (one instance), Redis (shared by every instance),
// and the resilient wrapper that chooses between them when Redis fails.
//
// A request is decided against a plan: every window (token bucket) and the
// quota that apply to its key and route. All-or-nothing: it is admitted only
// if every check holds `cost`, and then every check is charged; if any
// refuses, none is (a refused request costs nothing, so a client over one
// limit recovers as the others allow).
import type { QuotaSpec, RateLimitSpec } from '../../core/rate-limits.js';

/** The bucket spec is the policy's own type (a limit is written in the policy or the settings). */
export type { QuotaSpec, RateLimitSpec };

/** One thing a request is checked against: a token bucket or a calendar quota. */
export type LimitCheck =
  | { readonly kind: 'window'; readonly suffix: string; readonly id: string; readonly name: string; readonly spec: RateLimitSpec }
  | { readonly kind: 'quota'; readonly suffix: string; readonly id: string; readonly name: string; readonly quota: QuotaSpec };

/**
 * Every check of one key on one route, built once (limit-plan.ts) and reused for the key's
 * requests. Each check's state lives at `id` (= tag + suffix) in memory and at
 * `<prefix>{<tag>}<suffix>` in Redis, so all of a request's buckets share one Cluster slot.
 */
export interface LimitPlan {
  /** Names this set of checks (key, route limits): the over-limit cache's key. */
  readonly id: string;
  /** The key id: the hash tag of every check's Redis key. */
  readonly tag: string;
  /** At least one; windows first, the quota (if any) last. */
  readonly checks: readonly LimitCheck[];
}

/** One bucket's (or quota's) verdict, the figures the rate-limit headers carry. */
export interface BucketDecision {
  readonly allowed: boolean;
  /** The bucket's capacity (a quota's limit). */
  readonly limit: number;
  /** Whole tokens left after this request (floor, never negative). */
  readonly remaining: number;
  /** Unix seconds, rounded up, at which the bucket is full again (a quota's period ends). */
  readonly resetAtSec: number;
  /** When refused: whole seconds (ceil, at least 1) until enough tokens for this cost; 0 when allowed. */
  readonly retryAfterSec: number;
  /** Who answered this decision: per request, so it holds under concurrency (unlike `RateLimiter.backend()`). */
  readonly backend: LimiterBackend;
}

/**
 * A request's decision. Its own figures are the header check's: the check with the fewest whole
 * tokens left after this request (ties: the one that resets last), except `retryAfterSec`, which
 * is the time until every refusing check would admit the request.
 */
export interface LimitDecision extends BucketDecision {
  /** Each check's own verdict, in plan order; when the request is refused, none was charged. */
  readonly checks: readonly BucketDecision[];
  /** Index in `checks` of the header check. */
  readonly headerCheck: number;
  /** Why it was refused: `quota` when the quota is among the refusing checks; null when allowed. */
  readonly refusedBy: 'rate' | 'quota' | null;
}

/** memory: the in-memory limiter (no REDIS_URL); redis: Redis or its over-limit cache; fallback: memory while Redis is away. */
export type LimiterBackend = 'memory' | 'redis' | 'fallback';

export interface RateLimiter {
  /**
   * Take `cost` from every check of `plan` if each holds that much, else from none.
   * A backend that answers from memory returns the decision itself, so the
   * pipeline does not pay a promise and a microtask hop for a local answer;
   * a remote one returns a promise. Fails only with
   * ApiError('rate_limiter_unavailable') (503, Retry-After) when Redis is
   * unreachable and the failure mode is `closed`.
   */
  take(plan: LimitPlan, cost: number): LimitDecision | Promise<LimitDecision>;
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
  /** Requests admitted from this gateway's token leases without asking Redis. */
  leaseAdmissions: number;
  /** Tokens Redis leased to this gateway. */
  leasedTokens: number;
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
