// The plan maths, pure: each check's state in, the all-or-nothing take out.
// Exact values for the states written back, when each may be forgotten, the
// quota's period handling, and how combineChecks picks the header check,
// Retry-After and refusedBy.
import t from 'tap';
import { quotaPeriod } from '../../../core/quota-period.js';
import { buildPlan } from '../../../gateway/limiter/limit-plan.js';
import { combineChecks, quotaDecision, takePlan, usedIn, type CheckState } from '../../../gateway/limiter/plan-take.js';
import type { BucketDecision, LimitPlan, QuotaSpec, RateLimitSpec } from '../../../gateway/limiter/types.js';

const T0 = Date.UTC(2026, 0, 1, 12); // noon: the day ends 12 h later
const S0 = T0 / 1000;
const DAY_END = Date.UTC(2026, 0, 2);
const TEN_PER_10S: RateLimitSpec = { requests: 10, perMs: 10_000 }; // a token per second
const HUNDRED_PER_HOUR: RateLimitSpec = { requests: 100, perMs: 3_600_000 }; // a token per 36 s
const DAILY: QuotaSpec = { limit: 20, period: 'day' };
const TODAY = quotaPeriod(T0, 'day').id;

const PLAN = buildPlan({ keyId: 'key_1', keyWindows: null, policyWindows: [TEN_PER_10S, HUNDRED_PER_HOUR], quota: DAILY });

const check = (allowed: boolean, limit: number, remaining: number, resetAtSec: number, retryAfterSec: number): BucketDecision => ({
  allowed,
  limit,
  remaining,
  resetAtSec,
  retryAfterSec,
  backend: 'memory',
});

t.test('unknown states: every check charged, states and forget times for each', async (t) => {
  const result = takePlan(PLAN, [undefined, undefined, undefined], T0, 2, 'memory');
  t.same(result.decision.checks, [check(true, 10, 8, S0 + 2, 0), check(true, 100, 98, S0 + 72, 0), check(true, 20, 18, DAY_END / 1000, 0)]);
  t.same(result.states, [
    { tokens: 8, updatedAtMs: T0 },
    { tokens: 98, updatedAtMs: T0 },
    { periodId: TODAY, used: 2 },
  ]);
  t.same(result.forgetAtMs, [T0 + 2_000, T0 + 72_000, DAY_END], 'windows when full again, the quota when its period ends');
  t.same(
    [result.decision.allowed, result.decision.headerCheck, result.decision.refusedBy, result.decision.retryAfterSec],
    [true, 0, null, 0],
  );
});

t.test('one check refusing: nothing charged, the others report what they hold now', async (t) => {
  const states: CheckState[] = [
    { tokens: 5, updatedAtMs: T0 - 1_000 }, // 6 at T0
    { tokens: 3.5, updatedAtMs: T0 }, // lacks 0.5 token for cost 4: 18 s
    { periodId: TODAY, used: 10 },
  ];
  const result = takePlan(PLAN, states, T0, 4, 'redis');
  t.equal(result.decision.allowed, false);
  t.same(
    result.decision.checks.map((c) => [c.allowed, c.remaining, c.retryAfterSec, c.backend]),
    [
      [true, 6, 0, 'redis'],
      [false, 3, 18, 'redis'],
      [true, 10, 0, 'redis'],
    ],
  );
  t.same(result.states, [{ tokens: 6, updatedAtMs: T0 }, { tokens: 3.5, updatedAtMs: T0 }, states[2]], 'states refilled to now, uncharged');
  t.same([result.decision.headerCheck, result.decision.retryAfterSec, result.decision.refusedBy], [1, 18, 'rate']);
});

t.test('the quota: a count of an earlier period is zero; the limit is inclusive', async (t) => {
  const yesterday: CheckState = { periodId: TODAY - 1, used: 20 };
  const fresh = takePlan(PLAN, [undefined, undefined, yesterday], T0, 1, 'memory');
  t.same(fresh.states[2], { periodId: TODAY, used: 1 });
  const toTheLimit = takePlan(PLAN, [undefined, undefined, { periodId: TODAY, used: 19 }], T0, 1, 'memory');
  t.same([toTheLimit.decision.allowed, toTheLimit.decision.checks[2]?.remaining], [true, 0], 'used + cost = limit holds');
  const over = takePlan(PLAN, [undefined, undefined, { periodId: TODAY, used: 19 }], T0, 2, 'memory');
  t.same(
    [over.decision.allowed, over.decision.refusedBy, over.decision.retryAfterSec, over.decision.headerCheck],
    [false, 'quota', 43_200, 2],
    'refused until the day ends, and it is the header check (fewest left)',
  );
  t.same(over.states[2], { periodId: TODAY, used: 19 });
});

t.test('refusedBy is quota whenever the quota is among the refusing checks', async (t) => {
  const result = takePlan(PLAN, [{ tokens: 0, updatedAtMs: T0 }, undefined, { periodId: TODAY, used: 20 }], T0, 1, 'memory');
  t.same([result.decision.refusedBy, result.decision.retryAfterSec], ['quota', 43_200], 'Retry-After is the longer wait: the quota');
});

t.test('cost 0 only reports, even over a spent quota', async (t) => {
  const result = takePlan(PLAN, [undefined, undefined, { periodId: TODAY, used: 20 }], T0, 0, 'memory');
  t.same(
    result.decision.checks.map((c) => [c.allowed, c.remaining]),
    [
      [true, 10],
      [true, 100],
      [true, 0],
    ],
  );
});

t.test('invalid cost is a programming error', async (t) => {
  t.throws(() => takePlan(PLAN, [undefined, undefined, undefined], T0, -1, 'memory'), RangeError);
});

t.test('combineChecks: the header check and Retry-After', async (t) => {
  const plan: LimitPlan = buildPlan({
    keyId: 'k',
    keyWindows: null,
    policyWindows: [TEN_PER_10S, HUNDRED_PER_HOUR],
    quota: null,
  });
  const rows: [label: string, checks: BucketDecision[], allowed: boolean, header: number, retryAfterSec: number][] = [
    ['fewest left wins', [check(true, 10, 3, S0 + 7, 0), check(true, 100, 2, S0 + 3_600, 0)], true, 1, 0],
    ['a tie goes to the one that resets last', [check(true, 10, 2, S0 + 8, 0), check(true, 100, 2, S0 + 3_528, 0)], true, 1, 0],
    ['a full tie goes to plan order', [check(true, 10, 2, S0 + 8, 0), check(true, 100, 2, S0 + 8, 0)], true, 0, 0],
    [
      'Retry-After: the longest refusing check, not the header check',
      [check(false, 10, 1, S0 + 9, 4), check(false, 100, 2, S0 + 3_528, 36)],
      false,
      0,
      36,
    ],
    ['a holding check adds no wait', [check(true, 10, 0, S0 + 10, 0), check(false, 100, 0, S0 + 3_600, 36)], false, 1, 36],
  ];
  for (const [label, checks, allowed, header, retryAfterSec] of rows) {
    const decision = combineChecks(checks, allowed, plan, 'memory');
    const chosen = checks[header] as BucketDecision;
    t.same(
      [decision.headerCheck, decision.retryAfterSec, decision.limit, decision.remaining, decision.resetAtSec],
      [header, retryAfterSec, chosen.limit, chosen.remaining, chosen.resetAtSec],
      label,
    );
    t.equal(decision.refusedBy, allowed ? null : 'rate', `${label}: refusedBy`);
  }
});

t.test('quotaDecision and usedIn', async (t) => {
  const bounds = quotaPeriod(T0, 'day');
  t.same(quotaDecision(true, 5, DAILY, bounds, T0, 'fallback'), { ...check(true, 20, 15, DAY_END / 1000, 0), backend: 'fallback' });
  t.same(quotaDecision(false, 20, DAILY, bounds, DAY_END - 1, 'memory'), check(false, 20, 0, DAY_END / 1000, 1), 'at least 1 s');
  t.equal(quotaDecision(true, 25, DAILY, bounds, T0, 'memory').remaining, 0, 'never negative');
  t.equal(usedIn(undefined, bounds), 0);
  t.equal(usedIn({ periodId: bounds.id - 1, used: 7 }, bounds), 0);
  t.equal(usedIn({ periodId: bounds.id, used: 7 }, bounds), 7);
});
