// Token buckets in this process's memory: exact for one gateway instance, and
// per instance when several run (each allows the full limit). Used without
// REDIS_URL and as the fallback while Redis is unreachable in `open` mode.
// `take` answers as 'memory'; the resilient limiter's fallback uses `takeAs`
// so its decisions say 'fallback', from the same buckets. A plan of one
// window (the common one) skips takePlan's per-check arrays, with the same
// decision.
import type { Clock } from '../../core/clock.js';
import { quotaPeriod } from '../../core/quota-period.js';
import { createBucketStore, type BucketStore } from './bucket-store.js';
import { combineChecks, takePlan, type CheckState } from './plan-take.js';
import { msUntilFull, takeTokens, type BucketState } from './token-bucket.js';
import type { LimitCheck, LimitDecision, LimiterBackend, LimitPlan, RateLimiter } from './types.js';

type WindowCheck = Extract<LimitCheck, { kind: 'window' }>;

/** What a memory answer may say it is: never 'redis'. */
export type MemoryBackend = Exclude<LimiterBackend, 'redis'>;

export interface MemoryLimiterOptions {
  clock: Clock;
  /** Most buckets held at once (default and eviction: bucket-store.ts); a quota counter is one. */
  maxBuckets?: number;
  sweepIntervalMs?: number;
}

export interface MemoryLimiter extends RateLimiter {
  /** Always synchronous: the decision itself, never a promise (the fallback path relies on it). */
  take(plan: LimitPlan, cost: number): LimitDecision;
  /** `take`, with the decision saying `backend` answered. */
  takeAs(plan: LimitPlan, cost: number, backend: MemoryBackend): LimitDecision;
  /**
   * Set each check of `plan` to what Redis last said about it (`levels[i]`: a window's tokens, a
   * quota's count in the current period), so a fallback during an outage starts from the key's
   * real usage instead of full buckets.
   */
  seed(plan: LimitPlan, levels: readonly number[]): void;
  readonly buckets: Pick<BucketStore<CheckState>, 'size' | 'sweep'>;
}

export function createMemoryLimiter(options: MemoryLimiterOptions): MemoryLimiter {
  const { clock } = options;
  const store = createBucketStore<CheckState>({ clock, maxEntries: options.maxBuckets, sweepIntervalMs: options.sweepIntervalMs });

  function takeAs(plan: LimitPlan, cost: number, backend: MemoryBackend): LimitDecision {
    const { checks } = plan;
    if (checks.length === 1) {
      const only = checks[0] as LimitCheck;
      if (only.kind === 'window') return takeOneWindow(plan, only, cost, backend);
    }
    const states = new Array<CheckState | undefined>(checks.length);
    for (let i = 0; i < checks.length; i++) states[i] = store.get((checks[i] as LimitCheck).id);
    const result = takePlan(plan, states, clock.now(), cost, backend);
    // A refusal changes nothing, so only admitted takes are written.
    if (result.decision.allowed) {
      for (let i = 0; i < checks.length; i++) {
        store.set((checks[i] as LimitCheck).id, result.states[i] as CheckState, result.forgetAtMs[i] as number);
      }
    }
    return result.decision;
  }

  /**
   * The common plan, one window and no quota, without takePlan's per-check arrays: one bucket's
   * take, and the decision takePlan gives for it (combineChecks of its one verdict, so the same
   * figures, header check 0 and refusedBy).
   */
  function takeOneWindow(plan: LimitPlan, check: WindowCheck, cost: number, backend: MemoryBackend): LimitDecision {
    const result = takeTokens(store.get(check.id) as BucketState | undefined, clock.now(), cost, check.spec, backend);
    const { allowed } = result.decision;
    if (allowed) store.set(check.id, result.state, result.fullAtMs);
    return combineChecks([result.decision], allowed, plan, backend);
  }

  function seed(plan: LimitPlan, levels: readonly number[]): void {
    const now = clock.now();
    const { checks } = plan;
    for (let i = 0; i < checks.length; i++) {
      const check = checks[i] as LimitCheck;
      const level = levels[i];
      if (level === undefined) continue;
      if (check.kind === 'window') {
        // A full bucket is an unknown one: nothing to hold.
        if (level >= check.spec.requests) store.delete(check.id);
        else store.set(check.id, { tokens: level, updatedAtMs: now }, now + msUntilFull(level, check.spec));
      } else {
        const bounds = quotaPeriod(now, check.quota.period);
        store.set(check.id, { periodId: bounds.id, used: level }, bounds.endMs);
      }
    }
  }

  return {
    take: (plan, cost) => takeAs(plan, cost, 'memory'),
    takeAs,
    seed,
    backend: () => 'memory',
    buckets: store,
    close: async () => {},
  };
}
