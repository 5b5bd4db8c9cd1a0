// The in-memory limiter on an injected clock: exact counts, refill as the
// clock moves, costs, decision values, independent buckets. No sleeps.
import t from 'tap';
import { createManualClock } from '../../../core/clock.js';
import { singleWindowPlan } from '../../../gateway/limiter/limit-plan.js';
import { createMemoryLimiter } from '../../../gateway/limiter/memory-limiter.js';
import type { BucketDecision, LimitDecision, RateLimitSpec } from '../../../gateway/limiter/types.js';

const T0 = Date.UTC(2026, 0, 1);
const S0 = T0 / 1000;
const FIVE_PER_10S: RateLimitSpec = { requests: 5, perMs: 10_000 }; // one token per 2 s
const KEY_1 = singleWindowPlan('key_1', FIVE_PER_10S);
const KEY_2 = singleWindowPlan('key_2', FIVE_PER_10S);

/** A decision's own (header check) figures. */
const bucket = ({ allowed, limit, remaining, resetAtSec, retryAfterSec, backend }: LimitDecision): BucketDecision => ({
  allowed,
  limit,
  remaining,
  resetAtSec,
  retryAfterSec,
  backend,
});

t.test('a limit of N allows exactly N of 3N concurrent takes', async (t) => {
  const limiter = createMemoryLimiter({ clock: createManualClock(T0) });
  const decisions = await Promise.all(Array.from({ length: 15 }, () => limiter.take(KEY_1, 1)));
  t.equal(decisions.filter((d) => d.allowed).length, 5);
  t.equal(limiter.backend(), 'memory');
  t.ok(
    decisions.every((d) => d.backend === 'memory'),
    'each decision says memory answered it',
  );
});

t.test('takeAs: the same buckets, answering as the given backend (the fallback path)', async (t) => {
  const limiter = createMemoryLimiter({ clock: createManualClock(T0) });
  t.equal(limiter.takeAs(KEY_1, 4, 'fallback').backend, 'fallback');
  t.same(bucket(limiter.take(KEY_1, 1)), {
    allowed: true,
    limit: 5,
    remaining: 0,
    resetAtSec: S0 + 10,
    retryAfterSec: 0,
    backend: 'memory',
  });
  t.equal(limiter.backend(), 'memory', 'the limiter itself is still memory');
});

t.test('decision values on allowed and refused takes', async (t) => {
  const clock = createManualClock(T0);
  const limiter = createMemoryLimiter({ clock });
  t.same(bucket(await limiter.take(KEY_1, 1)), {
    allowed: true,
    limit: 5,
    remaining: 4,
    resetAtSec: S0 + 2,
    retryAfterSec: 0,
    backend: 'memory',
  });
  t.same(bucket(await limiter.take(KEY_1, 4)), {
    allowed: true,
    limit: 5,
    remaining: 0,
    resetAtSec: S0 + 10,
    retryAfterSec: 0,
    backend: 'memory',
  });
  t.same(bucket(await limiter.take(KEY_1, 1)), {
    allowed: false,
    limit: 5,
    remaining: 0,
    resetAtSec: S0 + 10,
    retryAfterSec: 2,
    backend: 'memory',
  });
  t.same(bucket(await limiter.take(KEY_1, 3)), {
    allowed: false,
    limit: 5,
    remaining: 0,
    resetAtSec: S0 + 10,
    retryAfterSec: 6,
    backend: 'memory',
  });
});

t.test('refill follows the clock', async (t) => {
  const clock = createManualClock(T0);
  const limiter = createMemoryLimiter({ clock });
  for (let i = 0; i < 5; i++) await limiter.take(KEY_1, 1);
  t.equal((await limiter.take(KEY_1, 1)).allowed, false);
  clock.advance(1_999);
  const early = await limiter.take(KEY_1, 1);
  t.equal(early.allowed, false, '1 ms before a token');
  t.equal(early.retryAfterSec, 1, 'rounded up to at least 1');
  clock.advance(1);
  t.equal((await limiter.take(KEY_1, 1)).allowed, true, 'a token after 2 s');
  t.equal((await limiter.take(KEY_1, 1)).allowed, false);
  clock.advance(60_000);
  t.equal((await limiter.take(KEY_1, 1)).remaining, 4, 'full again, never above capacity');
});

t.test('a cost above capacity is refused and consumes nothing', async (t) => {
  const limiter = createMemoryLimiter({ clock: createManualClock(T0) });
  const refused = await limiter.take(KEY_1, 6);
  t.equal(refused.allowed, false);
  t.equal(refused.remaining, 5);
  t.equal(refused.retryAfterSec, 2);
  t.equal((await limiter.take(KEY_1, 5)).allowed, true);
});

t.test('buckets are independent', async (t) => {
  const limiter = createMemoryLimiter({ clock: createManualClock(T0) });
  await limiter.take(KEY_1, 5);
  t.equal((await limiter.take(KEY_1, 1)).allowed, false);
  t.equal((await limiter.take(KEY_2, 1)).remaining, 4);
});

t.test('invalid arguments throw, and the limiter keeps working', async (t) => {
  const limiter = createMemoryLimiter({ clock: createManualClock(T0) });
  t.throws(() => limiter.take(KEY_1, -1), RangeError);
  t.equal((await limiter.take(KEY_1, 1)).allowed, true);
});

t.test('seed: a bucket set to what another source reported, refilling from there; full means forgotten', async (t) => {
  const clock = createManualClock(Date.UTC(2026, 0, 1));
  const limiter = createMemoryLimiter({ clock });
  const plan = singleWindowPlan('k', { requests: 10, perMs: 10_000 });
  limiter.seed(plan, [2]);
  t.equal(limiter.take(plan, 1).remaining, 1, 'starts from the seeded 2 tokens');
  t.equal(limiter.take(plan, 1).remaining, 0);
  t.equal(limiter.take(plan, 1).allowed, false);
  clock.advance(1_000);
  t.equal(limiter.take(plan, 1).allowed, true, 'and refills at the spec rate');
  limiter.seed(plan, [10]);
  t.equal(limiter.buckets.size, 0, 'a full bucket is not held');
  t.equal(limiter.take(plan, 1).remaining, 9);
});
