// A plan Redis refused is refused locally while the states it reported still
// refuse, without a Redis call; the local decision matches the last Redis
// answer (same reset, remaining 0) with Retry-After recomputed from the
// clock; once a refill (or a new quota period) could allow the take, Redis is
// asked again. An entry answers only the plan it was made for.
import t from 'tap';
import { createManualClock, type ManualClock } from '../../../core/clock.js';
import { quotaPeriod } from '../../../core/quota-period.js';
import { buildPlan, singleWindowPlan } from '../../../gateway/limiter/limit-plan.js';
import type { RedisLimiter } from '../../../gateway/limiter/redis-limiter.js';
import { createResilientLimiter, type ResilientLimiter } from '../../../gateway/limiter/resilient-limiter.js';
import type { BucketDecision, RateLimitSpec } from '../../../gateway/limiter/types.js';
import { captureLogs } from '../../helpers/log-capture.js';
import { startRedis } from '../../helpers/redis-server.js';
import { connectLimiter } from './fixtures/redis.js';

const TWO_PER_MINUTE: RateLimitSpec = { requests: 2, perMs: 60_000 }; // one token per 30 s

/** A decision's own figures, without its per-check list. */
const figures = ({ allowed, limit, remaining, resetAtSec, retryAfterSec, backend }: BucketDecision): BucketDecision => ({
  allowed,
  limit,
  remaining,
  resetAtSec,
  retryAfterSec,
  backend,
});

/** The real Redis limiter, counting the calls that reach it. */
function counting(limiter: RedisLimiter) {
  const counter = { calls: 0 };
  const wrapped: RedisLimiter = {
    ...limiter,
    takeWithState: (...args) => {
      counter.calls++;
      return limiter.takeWithState(...args);
    },
  };
  return { wrapped, counter };
}

t.test('refusals are answered locally until tokens could be there', async (t) => {
  const redis = await startRedis(t);
  const { wrapped, counter } = counting(await connectLimiter(t, redis.url));
  const clock = createManualClock(Date.now());
  const limiter = createResilientLimiter({
    redis: wrapped,
    redisAddress: `127.0.0.1:${redis.port}`,
    onRedisFailure: 'open',
    breakerCooldownMs: 1_000,
    clock,
    logger: captureLogs().logger,
  });

  await limiter.take(singleWindowPlan('key_1', TWO_PER_MINUTE), 1);
  await limiter.take(singleWindowPlan('key_1', TWO_PER_MINUTE), 1);
  const fromRedis = await limiter.take(singleWindowPlan('key_1', TWO_PER_MINUTE), 1);
  t.match(fromRedis, { allowed: false, remaining: 0, retryAfterSec: 30 });
  t.equal(counter.calls, 3);

  const local = await limiter.take(singleWindowPlan('key_1', TWO_PER_MINUTE), 1);
  t.same(figures(local), figures(fromRedis), 'the same decision, without a Redis call');
  t.equal(local.backend, 'redis', 'refused on behalf of Redis, from its last answer');
  t.equal(counter.calls, 3);
  t.equal(limiter.counters.localRefusals, 1);

  clock.advance(10_000);
  const later = await limiter.take(singleWindowPlan('key_1', TWO_PER_MINUTE), 1);
  t.same(figures(later), { ...figures(fromRedis), retryAfterSec: 20 }, 'Retry-After recomputed from the clock, reset unchanged');
  t.match(
    await limiter.take(singleWindowPlan('key_1', TWO_PER_MINUTE), 2),
    { allowed: false, retryAfterSec: 50 },
    'a costlier take waits longer',
  );
  t.equal(counter.calls, 3);

  t.match(await limiter.take(singleWindowPlan('key_2', TWO_PER_MINUTE), 1), { allowed: true }, 'other keys still go to Redis');
  t.equal(counter.calls, 4);

  clock.advance(20_000);
  await limiter.take(singleWindowPlan('key_1', TWO_PER_MINUTE), 1);
  t.equal(counter.calls, 5, 'a token could be there now: Redis is asked (and, on its own clock, still refuses)');
});

/** A resilient limiter over the real Redis on a manual clock, and the count of calls that reached Redis. */
async function overRedis(
  t: Parameters<typeof startRedis>[0],
): Promise<{ limiter: ResilientLimiter; counter: { calls: number }; clock: ManualClock }> {
  const redis = await startRedis(t);
  const { wrapped, counter } = counting(await connectLimiter(t, redis.url));
  const clock = createManualClock(Date.now());
  const limiter = createResilientLimiter({
    redis: wrapped,
    redisAddress: `127.0.0.1:${redis.port}`,
    onRedisFailure: 'open',
    breakerCooldownMs: 1_000,
    clock,
    logger: captureLogs().logger,
  });
  return { limiter, counter, clock };
}

t.test('a plan of several windows is refused locally while one of them still refuses', async (t) => {
  const { limiter, counter, clock } = await overRedis(t);
  // One token per 30 s in the first window; the second has room for the whole test.
  const plan = buildPlan({
    keyId: 'key_m',
    keyWindows: null,
    policyWindows: [TWO_PER_MINUTE, { requests: 4, perMs: 3_600_000 }],
    quota: null,
  });

  t.match(await limiter.take(plan, 1), { allowed: true });
  t.match(await limiter.take(plan, 1), { allowed: true });
  const fromRedis = await limiter.take(plan, 1);
  t.match(fromRedis, { allowed: false, refusedBy: 'rate', remaining: 0, retryAfterSec: 30 });
  t.match(
    fromRedis.checks,
    [
      { allowed: false, remaining: 0 },
      { allowed: true, remaining: 2 },
    ],
    'the first window refused, the second held',
  );
  t.equal(counter.calls, 3);

  const local = await limiter.take(plan, 1);
  t.equal(counter.calls, 3, 'answered without a Redis call');
  t.equal(limiter.counters.localRefusals, 1);
  t.same(figures(local), figures(fromRedis), 'the same decision');
  t.same(local.checks.map(figures), fromRedis.checks.map(figures), 'and the same verdict for each window');
  t.match(local, { refusedBy: 'rate', headerCheck: fromRedis.headerCheck });

  clock.advance(29_000);
  t.match(await limiter.take(plan, 1), { allowed: false, retryAfterSec: 1 }, 'still short of a token by our clock');
  t.equal(counter.calls, 3);

  clock.advance(1_000);
  await limiter.take(plan, 1);
  t.equal(counter.calls, 4, 'a refill would allow the take now: Redis is asked (and, on its own clock, still refuses)');
});

t.test('a plan refused by its quota is refused locally until the period ends by our clock', async (t) => {
  const { limiter, counter, clock } = await overRedis(t);
  const quota = { limit: 2, period: 'day' } as const;
  const plan = buildPlan({ keyId: 'key_q', keyWindows: null, policyWindows: [{ requests: 10, perMs: 60_000 }], quota });

  t.match(await limiter.take(plan, 1), { allowed: true });
  t.match(await limiter.take(plan, 1), { allowed: true });
  const fromRedis = await limiter.take(plan, 1);
  t.match(fromRedis, { allowed: false, refusedBy: 'quota', limit: 2, remaining: 0 });
  t.equal(counter.calls, 3);

  clock.advance(60_000);
  const local = await limiter.take(plan, 1);
  t.match(local, { allowed: false, refusedBy: 'quota' }, 'the window is full again by our clock, the quota still refuses');
  t.equal(counter.calls, 3, 'answered without a Redis call');
  const { endMs } = quotaPeriod(clock.now(), 'day');
  t.equal(local.retryAfterSec, Math.ceil((endMs - clock.now()) / 1000), 'Retry-After: until the day ends by our clock');

  const raised = buildPlan({
    keyId: 'key_q',
    keyWindows: null,
    policyWindows: [{ requests: 10, perMs: 60_000 }],
    quota: { ...quota, limit: 5 },
  });
  t.equal(raised.id, plan.id);
  t.match(await limiter.take(raised, 1), { allowed: true }, 'a plan with other limits under the same id is a miss: Redis admits it');
  t.equal(counter.calls, 4);

  t.match(await limiter.take(plan, 1), { allowed: false, refusedBy: 'quota' });
  t.equal(counter.calls, 5, 'the allowed answer forgot the entry: Redis refused again');
  clock.set(endMs);
  await limiter.take(plan, 1);
  t.equal(counter.calls, 6, 'a new day by our clock: Redis is asked');
});
