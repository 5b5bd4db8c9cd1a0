// `open` mode with Redis stopped mid-load, then restarted: every take settles
// (within the command timeout plus a generous margin), none fails, the
// in-memory fallback enforces the limit per instance, the breaker opens so
// requests stop paying the timeout, each state change is logged once, and
// Redis answers again as soon as the client has reconnected.
import t from 'tap';
import { SETTINGS_DEFAULTS } from '../../../config/settings-sections.js';
import { createManualClock } from '../../../core/clock.js';
import { createLimiter } from '../../../gateway/limiter/create-limiter.js';
import type { LimitDecision, RateLimitSpec } from '../../../gateway/limiter/types.js';
import { captureLogs } from '../../helpers/log-capture.js';
import { startRedis } from '../../helpers/redis-server.js';
import { inspector, logged, settleWithin, type Settled } from './fixtures/redis.js';
import { singleWindowPlan } from '../../../gateway/limiter/limit-plan.js';

// Short, as in production (default 50 ms), with room for a busy test machine.
const COMMAND_TIMEOUT_MS = 250;
const BOUND_MS = COMMAND_TIMEOUT_MS + 1_000;
const COOLDOWN_MS = 1_000;
const FIVE_PER_HOUR: RateLimitSpec = { requests: 5, perMs: 3_600_000 };

t.test('open mode: Redis stopped mid-load, then restarted', async (t) => {
  const redis = await startRedis(t);
  const clock = createManualClock(Date.now());
  const logs = captureLogs('info');
  const limiter = createLimiter({
    redisUrl: redis.url,
    commandTimeoutMs: COMMAND_TIMEOUT_MS,
    onRedisFailure: 'open',
    breakerCooldownMs: COOLDOWN_MS,
    autoPipelining: true,
    leaseLifetimeMs: SETTINGS_DEFAULTS.rateLimit.leaseLifetimeMs,
    maxReconnectDelayMs: 100,
    clock,
    logger: logs.logger,
  });
  t.teardown(() => limiter.close());
  t.equal(await limiter.ready(5_000), true, 'connected');
  t.equal((await limiter.take(singleWindowPlan('warm_up', FIVE_PER_HOUR), 1)).allowed, true);
  t.equal(limiter.backend(), 'redis');

  // Distinct buckets, so no take is answered by the over-limit cache.
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
  t.equal(settled.filter((s) => s.status === 'rejected').length, 0, 'none failed');

  t.equal(limiter.backend(), 'fallback');
  t.equal(limiter.counters.breakerOpen, true, 'breaker open');
  t.ok(limiter.counters.redisErrors >= 3, `${limiter.counters.redisErrors} Redis errors counted`);
  t.ok(limiter.counters.fallbacks > 0, `${limiter.counters.fallbacks} fallbacks counted`);

  const fallbackDecisions = await Promise.all(
    Array.from({ length: 15 }, () => limiter.take(singleWindowPlan('fresh_key', FIVE_PER_HOUR), 1)),
  );
  t.equal(fallbackDecisions.filter((d) => d.allowed).length, 5, 'the fallback enforces the same limit');
  const errorsWhileOpen = limiter.counters.redisErrors;
  await Promise.all(Array.from({ length: 20 }, (_, i) => limiter.take(singleWindowPlan(`other_${i}`, FIVE_PER_HOUR), 1)));
  t.equal(limiter.counters.redisErrors, errorsWhileOpen, 'while the breaker is open, Redis is not tried');

  const outage = logged(logs.entries(), /Redis unavailable/);
  t.equal(outage.length, 1, 'the outage is logged once');
  t.match(outage[0], { level: 'warn', mode: 'open', redis: `127.0.0.1:${redis.port}`, cause: String });

  await redis.start();
  t.equal(await limiter.ready(5_000), true, 'reconnected');
  // No clock advance: the reconnection itself makes the probe due.
  t.equal((await limiter.take(singleWindowPlan('probe', FIVE_PER_HOUR), 1)).allowed, true);
  t.equal(limiter.backend(), 'redis', 'the probe went to Redis');
  t.equal(limiter.counters.breakerOpen, false, 'breaker closed');
  const recovery = logged(logs.entries(), /Redis answering again/);
  t.equal(recovery.length, 1, 'the recovery is logged once');
  t.match(recovery[0], { level: 'info', redis: `127.0.0.1:${redis.port}` });

  const shared = await Promise.all(Array.from({ length: 15 }, () => limiter.take(singleWindowPlan('after_restart', FIVE_PER_HOUR), 1)));
  t.equal(shared.filter((d) => d.allowed).length, 5);
  t.equal(await (await inspector(t, redis.url)).exists('rl:{after_restart}'), 1, 'counted in Redis again');
});
