// createLimiter picks the backend from REDIS_URL: without it, in-memory
// buckets and a start-up line saying limits are per instance; with it, Redis
// (logged by address, the URL itself never); a malformed URL is a ConfigError.
import t from 'tap';
import { createManualClock } from '../../../core/clock.js';
import { SETTINGS_DEFAULTS } from '../../../config/settings-sections.js';
import { ConfigError } from '../../../core/errors.js';
import { createLimiter } from '../../../gateway/limiter/create-limiter.js';
import { captureLogs } from '../../helpers/log-capture.js';
import { startRedis } from '../../helpers/redis-server.js';
import { logged } from './fixtures/redis.js';
import { singleWindowPlan } from '../../../gateway/limiter/limit-plan.js';

const SPEC = { requests: 3, perMs: 60_000 };

/** The limiter options a gateway passes from a settings file that sets nothing. */
const SETTINGS = {
  commandTimeoutMs: SETTINGS_DEFAULTS.rateLimit.redisCommandTimeoutMs,
  onRedisFailure: SETTINGS_DEFAULTS.rateLimit.onRedisFailure,
  breakerCooldownMs: SETTINGS_DEFAULTS.rateLimit.breakerCooldownMs,
  autoPipelining: SETTINGS_DEFAULTS.rateLimit.redisAutoPipelining,
  leaseLifetimeMs: SETTINGS_DEFAULTS.rateLimit.leaseLifetimeMs,
};

t.test('without REDIS_URL: memory, and the start-up log says limits are per instance', async (t) => {
  const logs = captureLogs('info');
  const limiter = createLimiter({ ...SETTINGS, clock: createManualClock(), logger: logs.logger });
  t.teardown(() => limiter.close());
  const [line] = logged(logs.entries(), /per gateway instance/);
  t.match(line, { level: 'info', backend: 'memory' });
  t.equal(await limiter.ready(), true);
  const decisions = await Promise.all(Array.from({ length: 9 }, () => limiter.take(singleWindowPlan('key_1', SPEC), 1)));
  t.equal(decisions.filter((d) => d.allowed).length, 3);
  t.equal(limiter.backend(), 'memory');
  t.same(limiter.counters, { fallbacks: 0, redisErrors: 0, localRefusals: 0, leaseAdmissions: 0, leasedTokens: 0, breakerOpen: false });
});

t.test('with REDIS_URL: Redis, logged by address without the URL', async (t) => {
  const redis = await startRedis(t);
  const logs = captureLogs('info');
  const limiter = createLimiter({
    ...SETTINGS,
    redisUrl: redis.url,
    clock: createManualClock(),
    logger: logs.logger,
    commandTimeoutMs: 2_000,
  });
  t.teardown(() => limiter.close());
  t.equal(await limiter.ready(5_000), true);
  const decisions = await Promise.all(Array.from({ length: 9 }, () => limiter.take(singleWindowPlan('key_1', SPEC), 1)));
  t.equal(decisions.filter((d) => d.allowed).length, 3);
  t.equal(limiter.backend(), 'redis');
  const [line] = logged(logs.entries(), /shared by all gateway instances/);
  t.match(line, {
    backend: 'redis',
    redis: `127.0.0.1:${redis.port}`,
    redisMode: 'standalone',
    onRedisFailure: 'open',
    commandTimeoutMs: 2_000,
  });
  t.notOk(logs.text().includes(redis.url), 'the address is logged, the URL is not (redis-state-log.test.ts: nor its credentials)');
});

t.test('a malformed REDIS_URL is a ConfigError', async (t) => {
  t.throws(
    () => createLimiter({ ...SETTINGS, redisUrl: 'http://cache', clock: createManualClock(), logger: captureLogs().logger }),
    ConfigError,
  );
});
