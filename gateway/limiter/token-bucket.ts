// The token-bucket maths, pure: state in, state and decision out. The memory
// limiter, the over-limit cache and the auth-failure guard run it directly;
// the Redis script runs the same refill-and-take in Lua and hands its result
// to `decide` so both backends round and report identically. Each caller
// passes the backend it answers as, which the decision carries. A take is
// `tokensAt` (the level now) then `settleTake` (charge or not): a plan reads
// every check's level before it settles any (plan-take.ts); `takeTokens` is
// both for one bucket.
//
// Contract:
// - capacity = spec.requests; refill is continuous at requests / perMs, capped
//   at capacity. An unknown bucket is full.
// - A take succeeds when the bucket holds at least `cost` tokens; a refused
//   take consumes nothing. Cost 0 is always allowed and only reports.
// - A cost above capacity can never succeed: it is refused without consuming,
//   and Retry-After is the refill time of the deficit as if the bucket had no
//   cap (at least (cost - capacity) / rate), so a client backs off instead of
//   retrying every second. Policy validation should keep costs <= limits.
// - remaining = whole tokens left (floor); resetAtSec = Unix seconds, rounded
//   up, when the bucket is full again; retryAfterSec = whole seconds, rounded
//   up and at least 1, until `cost` tokens are there (0 when allowed).
// - A clock that steps backwards refills nothing and never rewinds the state.
import type { BucketDecision, LimiterBackend, RateLimitSpec } from './types.js';

export interface BucketState {
  /** Tokens held at `updatedAtMs` (fractional). */
  readonly tokens: number;
  readonly updatedAtMs: number;
}

export interface TakeResult {
  /** The bucket after this take (refilled to now, minus the cost if allowed). */
  readonly state: BucketState;
  readonly decision: BucketDecision;
  /** When the bucket is full again: from then on it equals an unknown bucket and may be forgotten. */
  readonly fullAtMs: number;
}

/** Float noise below this never changes a whole token count. */
const TOKEN_EPSILON = 1e-9;
/** One microsecond: absorbs float noise when rounding millisecond instants up to seconds. */
const MS_EPSILON = 1e-3;

export function assertValid(cost: number, spec: RateLimitSpec): void {
  if (!Number.isInteger(spec.requests) || spec.requests < 1)
    throw new RangeError(`rate limit requests must be a positive integer, got ${spec.requests}`);
  if (!Number.isFinite(spec.perMs) || spec.perMs <= 0)
    throw new RangeError(`rate limit window must be a positive number of ms, got ${spec.perMs}`);
  if (!Number.isFinite(cost) || cost < 0) throw new RangeError(`rate limit cost must be a non-negative number, got ${cost}`);
}

/** Tokens in the bucket at `nowMs`. */
export function tokensAt(state: BucketState | undefined, nowMs: number, spec: RateLimitSpec): number {
  if (state === undefined) return spec.requests;
  const elapsedMs = Math.max(0, nowMs - state.updatedAtMs);
  return Math.min(spec.requests, state.tokens + (elapsedMs * spec.requests) / spec.perMs);
}

/** Milliseconds until a bucket holding `tokens` is full. */
export function msUntilFull(tokens: number, spec: RateLimitSpec): number {
  return Math.max(0, ((spec.requests - tokens) * spec.perMs) / spec.requests);
}

const ceilSeconds = (ms: number): number => Math.ceil((ms - MS_EPSILON) / 1000);

/** The decision, answered by `backend`, for a take that left `tokens` in the bucket at `nowMs`. */
export function decide(
  allowed: boolean,
  tokens: number,
  nowMs: number,
  cost: number,
  spec: RateLimitSpec,
  backend: LimiterBackend,
): BucketDecision {
  const deficit = cost - tokens;
  return {
    allowed,
    limit: spec.requests,
    remaining: Math.max(0, Math.floor(tokens + TOKEN_EPSILON)),
    resetAtSec: ceilSeconds(nowMs + msUntilFull(tokens, spec)),
    retryAfterSec: allowed ? 0 : Math.max(1, ceilSeconds((deficit * spec.perMs) / spec.requests)),
    backend,
  };
}

/** Whether a bucket holding `tokens` holds `cost` (float noise below TOKEN_EPSILON forgiven). */
export const holdsCost = (tokens: number, cost: number): boolean => tokens + TOKEN_EPSILON >= cost;

/**
 * The second half of a take, for a bucket holding `available` tokens at `nowMs` (its `tokensAt`):
 * `cost` is taken only when `charge` is true and the bucket holds it. A plan decides first from
 * every check's level and then settles each with `charge` = "every check holds" (plan-take.ts),
 * so a bucket that holds in a refused plan reports allowed, uncharged. Expects a validated cost.
 */
export function settleTake(
  state: BucketState | undefined,
  available: number,
  nowMs: number,
  cost: number,
  charge: boolean,
  spec: RateLimitSpec,
  backend: LimiterBackend,
): TakeResult {
  const allowed = holdsCost(available, cost);
  const tokens = charge && allowed ? Math.max(0, available - cost) : available;
  const updatedAtMs = state === undefined ? nowMs : Math.max(state.updatedAtMs, nowMs);
  return {
    state: { tokens, updatedAtMs },
    decision: decide(allowed, tokens, nowMs, cost, spec, backend),
    fullAtMs: updatedAtMs + msUntilFull(tokens, spec),
  };
}

/** Refill the bucket to `nowMs` and take `cost` tokens if it holds them; the decision says `backend` answered. */
export function takeTokens(
  state: BucketState | undefined,
  nowMs: number,
  cost: number,
  spec: RateLimitSpec,
  backend: LimiterBackend,
): TakeResult {
  assertValid(cost, spec);
  return settleTake(state, tokensAt(state, nowMs, spec), nowMs, cost, true, spec, backend);
}
