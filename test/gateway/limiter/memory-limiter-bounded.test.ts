// The memory limiter's memory is bounded: buckets that are full again are
// forgotten (lazily and by a clock-driven sweep), and the total is capped,
// counting every check of a plan (windows and quota counters).
import t from 'tap';
import { createManualClock } from '../../../core/clock.js';
import { buildPlan, singleWindowPlan } from '../../../gateway/limiter/limit-plan.js';
import { createMemoryLimiter } from '../../../gateway/limiter/memory-limiter.js';
import type { RateLimitSpec } from '../../../gateway/limiter/types.js';

const T0 = Date.UTC(2026, 0, 1);
const SPEC: RateLimitSpec = { requests: 2, perMs: 1_000 };

t.test('buckets full again are swept', async (t) => {
  const clock = createManualClock(T0);
  const limiter = createMemoryLimiter({ clock, sweepIntervalMs: 5_000 });
  for (let i = 0; i < 100; i++) await limiter.take(singleWindowPlan(`key_${i}`, SPEC), 1);
  t.equal(limiter.buckets.size, 100);
  clock.advance(5_000); // all full again after 500 ms; the sweep is due
  await limiter.take(singleWindowPlan('key_new', SPEC), 1);
  t.equal(limiter.buckets.size, 1, 'only the bucket just written remains');
});

t.test('an explicit sweep drops exactly the full buckets', async (t) => {
  const clock = createManualClock(T0);
  const limiter = createMemoryLimiter({ clock });
  await limiter.take(singleWindowPlan('short', SPEC), 1); // full again after 500 ms
  await limiter.take(singleWindowPlan('long', { requests: 2, perMs: 60_000 }), 1); // after 30 s
  clock.advance(1_000);
  t.equal(limiter.buckets.sweep(), 1);
  t.equal(limiter.buckets.size, 1);
});

t.test('the number of buckets is capped; the least recently written goes first', async (t) => {
  const clock = createManualClock(T0);
  const limiter = createMemoryLimiter({ clock, maxBuckets: 10 });
  const hourly: RateLimitSpec = { requests: 1, perMs: 3_600_000 };
  for (let i = 0; i < 1_000; i++) await limiter.take(singleWindowPlan(`key_${i}`, hourly), 1);
  t.equal(limiter.buckets.size, 10);
  t.equal((await limiter.take(singleWindowPlan('key_999', hourly), 1)).allowed, false, 'a recent bucket is remembered');
  t.equal((await limiter.take(singleWindowPlan('key_0', hourly), 1)).allowed, true, 'an evicted bucket starts full again');
});

t.test('plans of several windows and a quota: each check is one entry, and the cap still holds', async (t) => {
  const clock = createManualClock(T0);
  const limiter = createMemoryLimiter({ clock, maxBuckets: 30 });
  const planOf = (keyId: string) =>
    buildPlan({
      keyId,
      keyWindows: null,
      policyWindows: [SPEC, { requests: 10, perMs: 3_600_000 }],
      quota: { limit: 100, period: 'day' },
    });
  limiter.take(planOf('key_a'), 1);
  t.equal(limiter.buckets.size, 3, 'two windows and the quota counter');
  for (let i = 0; i < 1_000; i++) limiter.take(planOf(`key_${i}`), 1);
  t.equal(limiter.buckets.size, 30);
  t.equal(limiter.take(planOf('key_999'), 1).remaining, 0, 'a recent plan is remembered (its 2-per-second window spent)');
  t.equal(limiter.take(planOf('key_0'), 1).remaining, 1, 'an evicted plan starts full again');
});
