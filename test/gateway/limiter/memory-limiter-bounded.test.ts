// The memory limiter's memory is bounded: buckets that are full again are
// forgotten (lazily and by a clock-driven sweep), and the total is capped.
import t from 'tap';
import { createManualClock } from '../../../core/clock.js';
import { createMemoryLimiter } from '../../../gateway/limiter/memory-limiter.js';
import type { RateLimitSpec } from '../../../gateway/limiter/types.js';

const T0 = Date.UTC(2026, 0, 1);
const SPEC: RateLimitSpec = { requests: 2, perMs: 1_000 };

t.test('buckets full again are swept', async (t) => {
  const clock = createManualClock(T0);
  const limiter = createMemoryLimiter({ clock, sweepIntervalMs: 5_000 });
  for (let i = 0; i < 100; i++) await limiter.take(`key_${i}`, 1, SPEC);
  t.equal(limiter.buckets.size, 100);
  clock.advance(5_000); // all full again after 500 ms; the sweep is due
  await limiter.take('key_new', 1, SPEC);
  t.equal(limiter.buckets.size, 1, 'only the bucket just written remains');
});

t.test('an explicit sweep drops exactly the full buckets', async (t) => {
  const clock = createManualClock(T0);
  const limiter = createMemoryLimiter({ clock });
  await limiter.take('short', 1, SPEC); // full again after 500 ms
  await limiter.take('long', 1, { requests: 2, perMs: 60_000 }); // after 30 s
  clock.advance(1_000);
  t.equal(limiter.buckets.sweep(), 1);
  t.equal(limiter.buckets.size, 1);
});

t.test('the number of buckets is capped; the least recently written goes first', async (t) => {
  const clock = createManualClock(T0);
  const limiter = createMemoryLimiter({ clock, maxBuckets: 10 });
  const hourly: RateLimitSpec = { requests: 1, perMs: 3_600_000 };
  for (let i = 0; i < 1_000; i++) await limiter.take(`key_${i}`, 1, hourly);
  t.equal(limiter.buckets.size, 10);
  t.equal((await limiter.take('key_999', 1, hourly)).allowed, false, 'a recent bucket is remembered');
  t.equal((await limiter.take('key_0', 1, hourly)).allowed, true, 'an evicted bucket starts full again');
});
