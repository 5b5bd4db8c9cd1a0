// Local refusals for plans Redis has just refused (after envoyproxy/ratelimit's
// over-limit cache): under abuse, a key that is out of tokens or quota costs
// this instance a Map lookup, not a Redis round trip.
//
// On a refusal from Redis we keep, per plan id (a key on a route), every
// check's level it reported, stamped with our own clock at receipt, and each
// check's reset time. A later take of that plan is refused locally while
// those states still refuse its cost by the same maths (plan-take.ts):
// windows refilled by our clock, a quota counted in its period by our clock
// (once that period has ended, the quota is unused and Redis is asked). The
// decision keeps Redis' reset times (a refusal consumes nothing, so they
// have not moved, and they stay on Redis' clock like every other
// X-RateLimit-Reset) and recomputes Retry-After from our clock. An entry
// answers only the plan it was made for: a plan with other checks or limits
// under the same id (the key's limits changed) is a miss.
// It never refuses what Redis would allow, give or take one round trip:
// other instances can only have taken more, stamping at receipt delays the
// local refill by at most that round trip (and Redis reports tokens to a
// thousandth, rounded down: at most a thousandth of a token's refill more),
// and a quota's period ends by our clock within the clocks' difference of
// Redis'. An allowed answer from Redis forgets the entry. Memory is bounded
// like every bucket store. A local refusal says backend 'redis': the cache
// only mirrors Redis' last answer for the plan and refuses on its behalf
// (used in Redis mode only; the fallback never reads it).
import type { Clock } from '../../core/clock.js';
import { quotaPeriod } from '../../core/quota-period.js';
import { createBucketStore } from './bucket-store.js';
import { combineChecks, takePlan, type CheckState } from './plan-take.js';
import { msUntilFull } from './token-bucket.js';
import type { BucketDecision, LimitDecision, LimitPlan } from './types.js';

export interface OverLimitCache {
  /** A local refusal, or undefined when Redis must be asked. */
  check(plan: LimitPlan, cost: number): LimitDecision | undefined;
  /** Record Redis' answer for `plan`: its decision and each check's level. */
  remember(plan: LimitPlan, decision: LimitDecision, levels: readonly number[]): void;
  readonly size: number;
}

interface Refusal {
  /** The plan Redis refused: a plan of other checks under the same id (the key's limits changed) is not this entry's. */
  readonly plan: LimitPlan;
  readonly states: readonly CheckState[];
  /** Each check's reset time as Redis reported it. */
  readonly resetAtSec: readonly number[];
}

export function createOverLimitCache(options: { clock: Clock; maxEntries?: number }): OverLimitCache {
  const { clock } = options;
  const store = createBucketStore<Refusal>({ clock, maxEntries: options.maxEntries ?? 10_000 });
  return {
    check(plan, cost) {
      const now = clock.now();
      const refusal = store.get(plan.id, now);
      if (refusal === undefined || !samePlan(refusal.plan, plan)) return undefined;
      const { decision } = takePlan(plan, refusal.states, now, cost, 'redis');
      if (decision.allowed) return undefined;
      const checks = decision.checks.map((check: BucketDecision, i) => ({ ...check, resetAtSec: refusal.resetAtSec[i] as number }));
      return combineChecks(checks, false, plan, 'redis');
    },
    remember(plan, decision, levels) {
      if (decision.allowed) {
        store.delete(plan.id);
        return;
      }
      const now = clock.now();
      let keepUntilMs = now;
      const states = plan.checks.map((check, i): CheckState => {
        const level = levels[i] as number;
        if (check.kind === 'window') {
          keepUntilMs = Math.max(keepUntilMs, now + msUntilFull(level, check.spec));
          return { tokens: level, updatedAtMs: now };
        }
        const bounds = quotaPeriod(now, check.quota.period);
        keepUntilMs = Math.max(keepUntilMs, bounds.endMs);
        return { periodId: bounds.id, used: level };
      });
      store.set(plan.id, { plan, states, resetAtSec: decision.checks.map((check) => check.resetAtSec) }, keepUntilMs);
    },
    get size() {
      return store.size;
    },
  };
}

/** The same checks with the same limits (usually the very same plan object). */
function samePlan(a: LimitPlan, b: LimitPlan): boolean {
  if (a === b) return true;
  if (a.checks.length !== b.checks.length) return false;
  return a.checks.every((check, i) => {
    const other = b.checks[i] as LimitPlan['checks'][number];
    if (check.id !== other.id || check.kind !== other.kind) return false;
    if (check.kind === 'window' && other.kind === 'window')
      return check.spec.requests === other.spec.requests && check.spec.perMs === other.spec.perMs;
    return (
      check.kind === 'quota' &&
      other.kind === 'quota' &&
      check.quota.limit === other.quota.limit &&
      check.quota.period === other.quota.period
    );
  });
}
