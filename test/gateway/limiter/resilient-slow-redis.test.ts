// A Redis that is up but does not answer (the process frozen): takes settle
// at the command timeout instead of stalling, the breaker opens so later
// takes stop paying the timeout, and Redis is used again once it answers.
import t from 'tap';
import { SETTINGS_DEFAULTS } from '../../../config/settings-sections.js';
import { createManualClock } from '../../../core/clock.js';
import { createLimiter } from '../../../gateway/limiter/create-limiter.js';
import type { RateLimitSpec } from '../../../gateway/limiter/types.js';
import { captureLogs } from '../../helpers/log-capture.js';
import { startRedis } from '../../helpers/redis-server.js';
import { settleWithin } from './fixtures/redis.js';
import { singleWindowPlan } from '../../../gateway/limiter/limit-plan.js';

// Short, as in production (default 50 ms), with room for a busy test machine.
const COMMAND_TIMEOUT_MS = 250;
const BOUND_MS = COMMAND_TIMEOUT_MS + 1_000;
const FIVE_PER_HOUR: RateLimitSpec = { requests: 5, perMs: 3_600_000 };

t.test('open mode: a frozen Redis costs at most the timeout, then the breaker skips it', async (t) => {
  const redis = await startRedis(t);
  const clock = createManualClock(Date.now());
  const limiter = createLimiter({
    redisUrl: redis.url,
    commandTimeoutMs: COMMAND_TIMEOUT_MS,
    onRedisFailure: 'open',
    breakerCooldownMs: 1_000,
    autoPipelining: true,
    leaseLifetimeMs: SETTINGS_DEFAULTS.rateLimit.leaseLifetimeMs,
    clock,
    logger: captureLogs('info').logger,
  });
  t.teardown(() => limiter.close());
  t.equal(await limiter.ready(5_000), true);

  redis.pause();
  t.teardown(() => redis.resume());
  const first = await Promise.all(
    Array.from({ length: 30 }, (_, i) => settleWithin(limiter.take(singleWindowPlan(`slow_${i}`, FIVE_PER_HOUR), 1), BOUND_MS)),
  );
  t.same(new Set(first.map((s) => s.status)), new Set(['fulfilled']), 'every take settled with a decision');
  t.equal(limiter.counters.breakerOpen, true, 'timeouts opened the breaker');
  t.equal(limiter.backend(), 'fallback');

  const errors = limiter.counters.redisErrors;
  const next = await settleWithin(limiter.take(singleWindowPlan('while_open', FIVE_PER_HOUR), 1), BOUND_MS);
  t.match(next, { status: 'fulfilled', value: { allowed: true } });
  t.equal(limiter.counters.redisErrors, errors, 'answered without trying Redis');

  redis.resume();
  clock.advance(1_000);
  t.match(await limiter.take(singleWindowPlan('probe', FIVE_PER_HOUR), 1), { allowed: true });
  t.equal(limiter.backend(), 'redis', 'Redis answers again');
});
