// A bucket Redis reported empty is refused locally until it could hold the
// take's cost, without a Redis call; the local decision matches the last
// Redis answer (same reset, remaining 0) with Retry-After recomputed from the
// clock; once tokens could be there, Redis is asked again.
import t from 'tap';
import { createManualClock } from '../../../core/clock.js';
import { createResilientLimiter } from '../../../gateway/limiter/resilient-limiter.js';
import type { RedisLimiter } from '../../../gateway/limiter/redis-limiter.js';
import type { RateLimitSpec } from '../../../gateway/limiter/types.js';
import { captureLogs } from '../../helpers/log-capture.js';
import { startRedis } from '../../helpers/redis-server.js';
import { connectLimiter } from './fixtures/redis.js';

const TWO_PER_MINUTE: RateLimitSpec = { requests: 2, perMs: 60_000 }; // one token per 30 s

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

  await limiter.take('key_1', 1, TWO_PER_MINUTE);
  await limiter.take('key_1', 1, TWO_PER_MINUTE);
  const fromRedis = await limiter.take('key_1', 1, TWO_PER_MINUTE);
  t.match(fromRedis, { allowed: false, remaining: 0, retryAfterSec: 30 });
  t.equal(counter.calls, 3);

  const local = await limiter.take('key_1', 1, TWO_PER_MINUTE);
  t.same(local, fromRedis, 'the same decision, without a Redis call');
  t.equal(local.backend, 'redis', 'refused on behalf of Redis, from its last answer');
  t.equal(counter.calls, 3);
  t.equal(limiter.counters.localRefusals, 1);

  clock.advance(10_000);
  const later = await limiter.take('key_1', 1, TWO_PER_MINUTE);
  t.same(later, { ...fromRedis, retryAfterSec: 20 }, 'Retry-After recomputed from the clock, reset unchanged');
  t.match(await limiter.take('key_1', 2, TWO_PER_MINUTE), { allowed: false, retryAfterSec: 50 }, 'a costlier take waits longer');
  t.equal(counter.calls, 3);

  t.match(await limiter.take('key_2', 1, TWO_PER_MINUTE), { allowed: true }, 'other keys still go to Redis');
  t.equal(counter.calls, 4);

  clock.advance(20_000);
  await limiter.take('key_1', 1, TWO_PER_MINUTE);
  t.equal(counter.calls, 5, 'a token could be there now: Redis is asked (and, on its own clock, still refuses)');
});
