// Each decision says which backend answered it, whatever the limiter's last
// state: 'memory' without Redis; 'redis' for Redis' answers and the
// over-limit cache's refusals made on its behalf; 'fallback' for the memory
// fallback, after a failed Redis call or with the breaker open. Interleaved
// answers keep their own backend. Real redis-server, stopped for the outage.
import t from 'tap';
import { SETTINGS_DEFAULTS } from '../../../config/settings-sections.js';
import { createManualClock } from '../../../core/clock.js';
import { createLimiter } from '../../../gateway/limiter/create-limiter.js';
import type { BucketAnswer, RedisLimiter } from '../../../gateway/limiter/redis-limiter.js';
import { createResilientLimiter } from '../../../gateway/limiter/resilient-limiter.js';
import type { RateLimitSpec } from '../../../gateway/limiter/types.js';
import { captureLogs } from '../../helpers/log-capture.js';
import { startRedis } from '../../helpers/redis-server.js';
import { connectLimiter } from './fixtures/redis.js';
import { singleWindowPlan } from '../../../gateway/limiter/limit-plan.js';

// Short, so a take against the stopped Redis falls back soon (it fails at once when the client has seen the close).
const COMMAND_TIMEOUT_MS = 250;
const ONE_PER_HOUR: RateLimitSpec = { requests: 1, perMs: 3_600_000 };

function resilientOver(redis: Pick<RedisLimiter, 'takeWithState' | 'close' | 'client'>, port: number) {
  return createResilientLimiter({
    redis,
    redisAddress: `127.0.0.1:${port}`,
    onRedisFailure: 'open',
    // Open after one failure, and stay open for the rest of the test.
    breakerFailureThreshold: 1,
    breakerCooldownMs: 3_600_000,
    clock: createManualClock(Date.now()),
    logger: captureLogs('silent').logger,
  });
}

t.test('without Redis: every decision says memory', async (t) => {
  const limiter = createLimiter({
    commandTimeoutMs: COMMAND_TIMEOUT_MS,
    onRedisFailure: 'open',
    breakerCooldownMs: 1_000,
    autoPipelining: true,
    leaseLifetimeMs: SETTINGS_DEFAULTS.rateLimit.leaseLifetimeMs,
    clock: createManualClock(Date.now()),
    logger: captureLogs('silent').logger,
  });
  t.teardown(() => limiter.close());
  const allowed = await limiter.take(singleWindowPlan('key_1', ONE_PER_HOUR), 1);
  const refused = await limiter.take(singleWindowPlan('key_1', ONE_PER_HOUR), 1);
  t.match(allowed, { allowed: true, backend: 'memory' });
  t.match(refused, { allowed: false, backend: 'memory' });
});

t.test('Redis answers say redis; after Redis is stopped, fallback answers say fallback', async (t) => {
  const redis = await startRedis(t);
  const limiter = resilientOver(await connectLimiter(t, redis.url, COMMAND_TIMEOUT_MS), redis.port);

  t.match(await limiter.take(singleWindowPlan('key_1', ONE_PER_HOUR), 1), { allowed: true, backend: 'redis' }, 'allowed by Redis');
  t.match(await limiter.take(singleWindowPlan('key_1', ONE_PER_HOUR), 1), { allowed: false, backend: 'redis' }, 'refused by Redis');
  t.match(
    await limiter.take(singleWindowPlan('key_1', ONE_PER_HOUR), 1),
    { allowed: false, backend: 'redis' },
    'refused by the over-limit cache for Redis',
  );
  t.equal(limiter.counters.localRefusals, 1, 'that one was answered locally');

  await redis.stop();
  t.match(await limiter.take(singleWindowPlan('key_2', ONE_PER_HOUR), 1), { allowed: true, backend: 'fallback' }, 'the Redis call failed');
  t.equal(limiter.counters.breakerOpen, true, 'one failure opened the breaker');
  const errors = limiter.counters.redisErrors;
  t.match(await limiter.take(singleWindowPlan('key_3', ONE_PER_HOUR), 1), { allowed: true, backend: 'fallback' }, 'the breaker is open');
  t.equal(limiter.counters.redisErrors, errors, 'Redis was not tried');
});

t.test('a Redis answer delivered after a fallback answer still says redis', async (t) => {
  const redis = await startRedis(t);
  const real = await connectLimiter(t, redis.url, COMMAND_TIMEOUT_MS);
  // The first take's real Redis answer is held back until released; the others pass through.
  let answered!: () => void;
  const redisAnswered = new Promise<void>((resolve) => (answered = resolve));
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let holdNext = true;
  const holding: RedisLimiter = {
    ...real,
    takeWithState: (...args) => {
      const answer = real.takeWithState(...args);
      if (!holdNext) return answer;
      holdNext = false;
      return answer.then((value: BucketAnswer) => {
        answered();
        return released.then(() => value);
      });
    },
  };
  const limiter = resilientOver(holding, redis.port);

  const slow = limiter.take(singleWindowPlan('key_slow', ONE_PER_HOUR), 1);
  await redisAnswered;
  await redis.stop();
  const fast = await limiter.take(singleWindowPlan('key_fast', ONE_PER_HOUR), 1);
  t.equal(fast.backend, 'fallback', 'the later take was answered by the fallback');
  t.equal(limiter.backend(), 'fallback', 'and is the limiter state');

  release();
  t.match(await slow, { allowed: true, backend: 'redis' }, 'the earlier take was answered by Redis');
  t.equal(fast.backend, 'fallback', 'each decision keeps its own backend');
});
