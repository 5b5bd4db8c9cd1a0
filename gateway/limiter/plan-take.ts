// A plan's decision, pure: every check's state in, all-or-nothing take out.
// The memory limiter, the over-limit cache and the fallback run `takePlan`
// directly; the Redis script runs the same rules in Lua and hands each
// check's level to `decide` (token-bucket.ts)/`quotaDecision` and
// `combineChecks`, so both backends choose headers and Retry-After identically.
//
// Contract:
// - Each window is a token bucket (token-bucket.ts). A quota counts the cost
//   of admitted requests in its calendar period (core/quota-period.ts) and
//   holds `cost` while used + cost <= limit.
// - The request is admitted only if every check holds `cost`; then every
//   check is charged. If any refuses, no state changes. Like the script,
//   `takePlan` reads every check's level first, then settles each once.
// - The decision's figures are the header check's: the fewest whole tokens
//   left after this request, ties to the one that resets last, then to plan
//   order. Retry-After is the longest of the refusing checks' (the time until
//   every one of them would admit the request).
import { quotaPeriod, type PeriodBounds } from '../../core/quota-period.js';
import { assertValid, holdsCost, settleTake, tokensAt, type BucketState } from './token-bucket.js';
import type { BucketDecision, LimitCheck, LimitDecision, LimiterBackend, LimitPlan, QuotaSpec } from './types.js';

/** A quota's count in its period; a state of an earlier period counts as zero. */
export interface QuotaState {
  readonly periodId: number;
  readonly used: number;
}

export type CheckState = BucketState | QuotaState;

export interface PlanTakeResult {
  readonly decision: LimitDecision;
  /** Each check's state after the take (as before when refused), in plan order. */
  readonly states: readonly CheckState[];
  /** When each state equals an unknown one (bucket full again, period over) and may be forgotten. */
  readonly forgetAtMs: readonly number[];
}

/** A quota's verdict: `used` is the count after this request (unchanged when refused). */
export function quotaDecision(
  allowed: boolean,
  used: number,
  quota: QuotaSpec,
  bounds: PeriodBounds,
  nowMs: number,
  backend: LimiterBackend,
): BucketDecision {
  return {
    allowed,
    limit: quota.limit,
    remaining: Math.max(0, quota.limit - used),
    resetAtSec: Math.ceil(bounds.endMs / 1000),
    retryAfterSec: allowed ? 0 : Math.max(1, Math.ceil((bounds.endMs - nowMs) / 1000)),
    backend,
  };
}

/** Whether a quota with `used` counted in its period holds `cost` (the limit is inclusive). */
const quotaHolds = (used: number, cost: number, quota: QuotaSpec): boolean => used + cost <= quota.limit;

/** The used count of `state` in the period `bounds`: zero for none or an earlier period. */
export const usedIn = (state: QuotaState | undefined, bounds: PeriodBounds): number =>
  state !== undefined && state.periodId === bounds.id ? state.used : 0;

/** The plan's decision from each check's own verdict (see the contract above). */
export function combineChecks(
  checks: readonly BucketDecision[],
  allowed: boolean,
  plan: LimitPlan,
  backend: LimiterBackend,
): LimitDecision {
  let header = 0;
  let retryAfterSec = 0;
  let quotaRefused = false;
  for (let i = 0; i < checks.length; i++) {
    const check = checks[i] as BucketDecision;
    const best = checks[header] as BucketDecision;
    if (check.remaining < best.remaining || (check.remaining === best.remaining && check.resetAtSec > best.resetAtSec)) header = i;
    if (!check.allowed) {
      retryAfterSec = Math.max(retryAfterSec, check.retryAfterSec);
      if (plan.checks[i]?.kind === 'quota') quotaRefused = true;
    }
  }
  const chosen = checks[header] as BucketDecision;
  return {
    allowed,
    limit: chosen.limit,
    remaining: chosen.remaining,
    resetAtSec: chosen.resetAtSec,
    retryAfterSec: allowed ? 0 : retryAfterSec,
    backend,
    checks,
    headerCheck: header,
    refusedBy: allowed ? null : quotaRefused ? 'quota' : 'rate',
  };
}

/** Take `cost` from every check of `plan` at `nowMs`, or from none; `states[i]` undefined: unknown (full, or unused). */
export function takePlan(
  plan: LimitPlan,
  states: readonly (CheckState | undefined)[],
  nowMs: number,
  cost: number,
  backend: LimiterBackend,
): PlanTakeResult {
  const { checks } = plan;
  const count = checks.length;
  // First every check's level now (a window's tokens, a quota's count in its period): the verdict
  // is all-or-nothing, so it is known before any check is settled, and each is settled once.
  const levels = new Array<number>(count);
  const periods = new Array<PeriodBounds | undefined>(count);
  let allowed = true;
  for (let i = 0; i < count; i++) {
    const check = checks[i] as LimitCheck;
    if (check.kind === 'window') {
      assertValid(cost, check.spec);
      const tokens = tokensAt(states[i] as BucketState | undefined, nowMs, check.spec);
      levels[i] = tokens;
      if (!holdsCost(tokens, cost)) allowed = false;
    } else {
      const bounds = quotaPeriod(nowMs, check.quota.period);
      const used = usedIn(states[i] as QuotaState | undefined, bounds);
      levels[i] = used;
      periods[i] = bounds;
      if (!quotaHolds(used, cost, check.quota)) allowed = false;
    }
  }
  // Then charge every check, or none: a refused request's checks report what they hold now.
  const decisions = new Array<BucketDecision>(count);
  const after = new Array<CheckState>(count);
  const forgetAtMs = new Array<number>(count);
  for (let i = 0; i < count; i++) {
    const check = checks[i] as LimitCheck;
    const level = levels[i] as number;
    if (check.kind === 'window') {
      const result = settleTake(states[i] as BucketState | undefined, level, nowMs, cost, allowed, check.spec, backend);
      decisions[i] = result.decision;
      after[i] = result.state;
      forgetAtMs[i] = result.fullAtMs;
    } else {
      const bounds = periods[i] as PeriodBounds;
      const used = allowed ? level + cost : level;
      decisions[i] = quotaDecision(quotaHolds(level, cost, check.quota), used, check.quota, bounds, nowMs, backend);
      after[i] = { periodId: bounds.id, used };
      forgetAtMs[i] = bounds.endMs;
    }
  }
  return { decision: combineChecks(decisions, allowed, plan, backend), states: after, forgetAtMs };
}
