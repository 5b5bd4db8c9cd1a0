// `closed` mode with Redis stopped mid-load, then restarted: every take
// settles, each one either answered by Redis or refused with the 503
// ApiError and Retry-After (never another error, never a memory answer),
// the breaker opens, and Redis answers again after it returns.
import t from 'tap';
import { SETTINGS_DEFAULTS } from '../../../config/settings-sections.js';
import { createManualClock } from '../../../core/clock.js';
import { isApiError } from '../../../core/errors.js';
import { createLimiter } from '../../../gateway/limiter/create-limiter.js';
import type { LimitDecision, RateLimitSpec } from '../../../gateway/limiter/types.js';
import { captureLogs } from '../../helpers/log-capture.js';
import { startRedis } from '../../helpers/redis-server.js';
import { logged, settleWithin, type Settled } from './fixtures/redis.js';
import { singleWindowPlan } from '../../../gateway/limiter/limit-plan.js';

// Short, as in production (default 50 ms), with room for a busy test machine.
const COMMAND_TIMEOUT_MS = 250;
const BOUND_MS = COMMAND_TIMEOUT_MS + 1_000;
const COOLDOWN_MS = 1_000;
const FIVE_PER_HOUR: RateLimitSpec = { requests: 5, perMs: 3_600_000 };

const isUnavailable = (reason: unknown) =>
  isApiError(reason) && reason.code === 'rate_limiter_unavailable' && reason.status === 503 && reason.headers?.['retry-after'] === '1';

t.test('closed mode: Redis stopped mid-load, then restarted', async (t) => {
  const redis = await startRedis(t);
  const clock = createManualClock(Date.now());
  const logs = captureLogs('info');
  const limiter = createLimiter({
    redisUrl: redis.url,
    commandTimeoutMs: COMMAND_TIMEOUT_MS,
    onRedisFailure: 'closed',
    breakerCooldownMs: COOLDOWN_MS,
    autoPipelining: true,
    leaseLifetimeMs: SETTINGS_DEFAULTS.rateLimit.leaseLifetimeMs,
    maxReconnectDelayMs: 100,
    clock,
    logger: logs.logger,
  });
  t.teardown(() => limiter.close());
  t.equal(await limiter.ready(5_000), true, 'connected');

  const outcomes: Promise<Settled<LimitDecision>>[] = [];
  const issue = (count: number) => {
    for (let i = 0; i < count; i++)
      outcomes.push(settleWithin(limiter.take(singleWindowPlan(`load_${outcomes.length}`, FIVE_PER_HOUR), 1), BOUND_MS));
  };
  issue(100);
  let stopped = false;
  const stopping = redis.stop().then(() => (stopped = true));
  while (!stopped) {
    issue(20);
    await new Promise((resolve) => setImmediate(resolve));
  }
  await stopping;
  issue(100);
  const settled = await Promise.all(outcomes);
  t.equal(settled.filter((s) => s.status === 'unsettled').length, 0, `all ${settled.length} takes settled`);
  const rejected = settled.filter((s) => s.status === 'rejected');
  t.ok(rejected.length >= 100, `${rejected.length} refused while Redis was away`);
  t.ok(
    rejected.every((s) => isUnavailable(s.reason)),
    'every failure is the 503 ApiError with Retry-After: 1',
  );

  t.equal(limiter.counters.breakerOpen, true, 'breaker open');
  await t.rejects(
    async () => limiter.take(singleWindowPlan('fresh_key', FIVE_PER_HOUR), 1),
    { code: 'rate_limiter_unavailable', status: 503 },
    'a new key is refused, not counted in memory',
  );
  t.equal(logged(logs.entries(), /Redis unavailable, refusing requests with 503/).length, 1, 'the outage is logged once');

  await redis.start();
  t.equal(await limiter.ready(5_000), true, 'reconnected');
  t.match(await limiter.take(singleWindowPlan('fresh_key', FIVE_PER_HOUR), 1), { allowed: true, remaining: 4 });
  t.equal(limiter.backend(), 'redis');
  t.equal(limiter.counters.breakerOpen, false);
});
