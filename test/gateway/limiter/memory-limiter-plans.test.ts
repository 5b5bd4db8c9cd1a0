// The memory limiter over plans, on an injected clock: all-or-nothing across
// windows and the quota (proven by what is admitted afterwards), each window
// refilling at its own rate, cost charged to every check, quotas resetting
// exactly at the UTC day and month boundaries, the header check and
// Retry-After, and seeding every check. No sleeps.
import t from 'tap';
import { createManualClock } from '../../../core/clock.js';
import type { QuotaSpec } from '../../../core/rate-limits.js';
import { buildPlan } from '../../../gateway/limiter/limit-plan.js';
import { createMemoryLimiter, type MemoryLimiter } from '../../../gateway/limiter/memory-limiter.js';
import type { LimitPlan, RateLimitSpec } from '../../../gateway/limiter/types.js';
import { QUOTA_BOUNDARIES } from '../../helpers/quota-boundaries.js';

const T0 = Date.UTC(2026, 0, 1); // a whole second, the first of a day and of a month
const S0 = T0 / 1000;
/** Never binds: for plans whose quota is under test. */
const GENEROUS: RateLimitSpec = { requests: 1_000_000, perMs: 1_000 };

const planOf = (windows: readonly RateLimitSpec[], quota: QuotaSpec | null = null): LimitPlan =>
  buildPlan({ keyId: 'key_1', keyWindows: null, policyWindows: windows, quota });

/** How many of `count` takes of `cost` are admitted now. */
function admitted(limiter: MemoryLimiter, plan: LimitPlan, count: number, cost = 1): number {
  let admittedCount = 0;
  for (let i = 0; i < count; i++) if (limiter.take(plan, cost).allowed) admittedCount++;
  return admittedCount;
}

const remainingOf = (limiter: MemoryLimiter, plan: LimitPlan, cost = 1): number[] =>
  limiter.take(plan, cost).checks.map((check) => check.remaining);

t.test('a request refused by one window charges no other window', async (t) => {
  const clock = createManualClock(T0);
  const limiter = createMemoryLimiter({ clock });
  const plan = planOf([
    { requests: 5, perMs: 10_000 },
    { requests: 8, perMs: 3_600_000 },
  ]);
  t.equal(admitted(limiter, plan, 5), 5, 'the short window holds 5');
  t.equal(admitted(limiter, plan, 10), 0, 'then refused by it, 10 times');
  clock.advance(10_000);
  t.equal(admitted(limiter, plan, 5), 3, 'the long window still holds its 3: the refusals took none of them');
  const refused = limiter.take(plan, 1);
  t.equal(refused.allowed, false, 'refused by the long window now');
  t.equal(refused.checks[0]?.remaining, 2, 'and the short window, which holds, is not charged either');
  t.equal(limiter.take(plan, 1).checks[0]?.remaining, 2, 'still 2 after another refusal');
});

t.test('each window refills at its own rate', async (t) => {
  const clock = createManualClock(T0);
  const limiter = createMemoryLimiter({ clock });
  const plan = planOf([
    { requests: 2, perMs: 1_000 }, // a token per 500 ms
    { requests: 4, perMs: 10_000 }, // a token per 2.5 s
  ]);
  t.same(remainingOf(limiter, plan), [1, 3]);
  t.same(remainingOf(limiter, plan), [0, 2]);
  clock.advance(1_000); // short full again; long + 0.4
  t.same(remainingOf(limiter, plan), [1, 1], 'short refilled to 2, long to 2.4; each minus 1');
  t.same(remainingOf(limiter, plan), [0, 0]);
  const refused = limiter.take(plan, 1);
  t.same(
    refused.checks.map((check) => [check.allowed, check.retryAfterSec]),
    [
      [false, 1],
      [false, 2],
    ],
    'short lacks a token (500 ms), long lacks 0.6 (1.5 s)',
  );
  clock.advance(1_500);
  t.same(remainingOf(limiter, plan), [1, 0], 'both hold a token again after 1.5 s');
});

t.test('cost is charged to every check', async (t) => {
  const limiter = createMemoryLimiter({ clock: createManualClock(T0) });
  const plan = planOf(
    [
      { requests: 10, perMs: 10_000 },
      { requests: 20, perMs: 60_000 },
    ],
    { limit: 30, period: 'day' },
  );
  t.same(remainingOf(limiter, plan, 3), [7, 17, 27]);
  t.same(remainingOf(limiter, plan, 7), [0, 10, 20]);
  const refused = limiter.take(plan, 1);
  t.equal(refused.allowed, false);
  t.same(
    refused.checks.map((check) => check.remaining),
    [0, 10, 20],
    'a refusal reports every check uncharged',
  );
});

t.test('the quota counts only admitted requests', async (t) => {
  const clock = createManualClock(T0);
  const limiter = createMemoryLimiter({ clock });
  const plan = planOf([{ requests: 2, perMs: 10_000 }], { limit: 5, period: 'day' });
  t.equal(admitted(limiter, plan, 2), 2);
  for (let i = 0; i < 10; i++) t.equal(limiter.take(plan, 1).refusedBy, 'rate', `refusal ${i + 1} is the window's`);
  clock.advance(10_000);
  t.equal(admitted(limiter, plan, 3), 2);
  clock.advance(10_000);
  t.equal(admitted(limiter, plan, 3), 1, 'the fifth admitted request spends the quota: the 10 refusals counted nothing');
  const refused = limiter.take(plan, 1);
  t.equal(refused.refusedBy, 'quota');
  t.equal(refused.checks[0]?.remaining, 1, 'a request refused by the quota takes no window token');
  t.equal(refused.retryAfterSec, 86_400 - 20, 'Retry-After: until the day is over');
});

// Every row that is a period's last millisecond, exhausted there and admitted one millisecond later.
const LAST_MILLISECONDS = QUOTA_BOUNDARIES.filter((row) => row.atMs === row.endMs - 1);

t.test('a quota resets exactly at the UTC boundary', async (t) => {
  t.ok(LAST_MILLISECONDS.length >= 5, 'the table has last-millisecond rows of days and months');
  for (const row of LAST_MILLISECONDS) {
    const clock = createManualClock(row.endMs - 3_600_000);
    const limiter = createMemoryLimiter({ clock });
    const plan = planOf([GENEROUS], { limit: 3, period: row.period });
    t.equal(admitted(limiter, plan, 3), 3, `${row.label}: the limit is admitted`);
    const early = limiter.take(plan, 1);
    t.same([early.refusedBy, early.retryAfterSec], ['quota', 3_600], `${row.label}: refused an hour before, until the boundary`);
    clock.set(row.atMs);
    const last = limiter.take(plan, 1);
    t.same(
      [last.allowed, last.refusedBy, last.retryAfterSec, last.resetAtSec],
      [false, 'quota', 1, row.endMs / 1000],
      `${row.label}: still refused at the last millisecond, for 1 s`,
    );
    clock.set(row.endMs);
    const first = limiter.take(plan, 1);
    t.equal(first.allowed, true, `${row.label}: admitted at the first millisecond of the next`);
    t.equal(first.checks[1]?.remaining, 2, `${row.label}: in a fresh period`);
  }
});

t.test('a quota exhausted at the last millisecond of a period', async (t) => {
  for (const row of LAST_MILLISECONDS) {
    const clock = createManualClock(row.atMs);
    const limiter = createMemoryLimiter({ clock });
    const plan = planOf([GENEROUS], { limit: 2, period: row.period });
    t.equal(admitted(limiter, plan, 2), 2);
    const refused = limiter.take(plan, 1);
    t.same([refused.refusedBy, refused.retryAfterSec], ['quota', 1], `${row.label}: refused, 1 s to the boundary`);
    clock.advance(1);
    t.equal(admitted(limiter, plan, 3), 2, `${row.label}: the next period admits its full limit`);
  }
});

t.test('the header check: fewest whole tokens left after this request, ties to the one that resets last', async (t) => {
  const limiter = createMemoryLimiter({ clock: createManualClock(T0) });
  const plan = planOf(
    [
      { requests: 10, perMs: 10_000 },
      { requests: 100, perMs: 3_600_000 },
    ],
    { limit: 9, period: 'day' },
  );
  const first = limiter.take(plan, 1);
  t.same([first.checks.map((check) => check.remaining), first.headerCheck], [[9, 99, 8], 2], 'the quota has fewest left');
  t.same([first.limit, first.remaining, first.resetAtSec], [9, 8, S0 + 86_400], "the decision's figures are the header check's");

  const tie = createMemoryLimiter({ clock: createManualClock(T0) });
  const tied = planOf([{ requests: 10, perMs: 10_000 }], { limit: 10, period: 'month' });
  const decision = tie.take(tied, 1);
  t.same(
    [decision.checks.map((check) => check.remaining), decision.headerCheck],
    [[9, 9], 1],
    'a tie goes to the quota, which resets last',
  );
  t.equal(decision.resetAtSec, Date.UTC(2026, 1, 1) / 1000);
});

t.test('Retry-After is the longest of the refusing checks', async (t) => {
  const limiter = createMemoryLimiter({ clock: createManualClock(T0) });
  const plan = planOf([
    { requests: 2, perMs: 10_000 }, // a token per 5 s
    { requests: 3, perMs: 3_600_000 }, // a token per 20 min
  ]);
  t.equal(admitted(limiter, plan, 2), 2);
  const refused = limiter.take(plan, 2);
  t.same(
    refused.checks.map((check) => [check.remaining, check.retryAfterSec]),
    [
      [0, 10],
      [1, 1_200],
    ],
  );
  t.same([refused.headerCheck, refused.retryAfterSec, refused.refusedBy], [0, 1_200, 'rate'], 'the header check is not the longest wait');
});

t.test('seed: every check set to its level, windows refill and the quota counts on from there', async (t) => {
  const clock = createManualClock(T0 + 3_600_000);
  const limiter = createMemoryLimiter({ clock });
  const plan = planOf(
    [
      { requests: 10, perMs: 10_000 },
      { requests: 100, perMs: 3_600_000 },
    ],
    { limit: 50, period: 'day' },
  );
  limiter.seed(plan, [2, 50, 48]);
  t.equal(limiter.buckets.size, 3);
  t.same(remainingOf(limiter, plan), [1, 49, 1]);
  t.same(remainingOf(limiter, plan), [0, 48, 0]);
  const refused = limiter.take(plan, 1);
  t.same([refused.refusedBy, refused.retryAfterSec], ['quota', 82_800], 'the quota is the seeded count plus what was admitted');
  clock.advance(1_000);
  limiter.seed(plan, [10]);
  t.equal(limiter.buckets.size, 2, 'a full window is forgotten; a check without a level is left as it was');
  const stillRefused = limiter.take(plan, 1);
  t.same([stillRefused.refusedBy, stillRefused.checks.map((check) => check.remaining)], ['quota', [10, 48, 0]]);
  limiter.seed(plan, [9, 20, 0]);
  t.same(remainingOf(limiter, plan), [8, 19, 49], 'a count of 0 admits the whole quota again');
  clock.set(T0 + 86_400_000);
  t.equal(limiter.take(plan, 1).checks[2]?.remaining, 49, 'a seeded count belongs to its period: the next day starts at 0');
});

t.test('takeAs answers every check as the given backend', async (t) => {
  const limiter = createMemoryLimiter({ clock: createManualClock(T0) });
  const plan = planOf([{ requests: 1, perMs: 1_000 }], { limit: 5, period: 'month' });
  for (const decision of [limiter.takeAs(plan, 1, 'fallback'), limiter.takeAs(plan, 1, 'fallback')]) {
    t.same([decision.backend, ...decision.checks.map((check) => check.backend)], ['fallback', 'fallback', 'fallback']);
  }
});
