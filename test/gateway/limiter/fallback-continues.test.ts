// `open` mode: an outage continues from the key's usage, not from a fresh
// quota (the finding: a 50/min key passed 108-159 of 200 requests across a 5 s
// outage, since its fallback bucket started full). The fallback bucket starts
// from the tokens Redis last reported for the key on this gateway; a key
// never seen starts full. Real redis-server, real time (Redis keeps its own
// clock, so none is faked); the bound is computed from the elapsed time.
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { SETTINGS_DEFAULTS } from '../../../config/settings-sections.js';
import { systemClock } from '../../../core/clock.js';
import { createLimiter } from '../../../gateway/limiter/create-limiter.js';
import type { RateLimitSpec } from '../../../gateway/limiter/types.js';
import { captureLogs } from '../../helpers/log-capture.js';
import { startRedis } from '../../helpers/redis-server.js';
import { singleWindowPlan } from '../../../gateway/limiter/limit-plan.js';

const FIFTY_PER_MINUTE: RateLimitSpec = { requests: 50, perMs: 60_000 };

t.test('a 50/min key, 200 requests, 40 before and 160 across a 5 s Redis outage', async (t) => {
  const redis = await startRedis(t);
  const limiter = createLimiter({
    redisUrl: redis.url,
    commandTimeoutMs: 1_000,
    onRedisFailure: 'open',
    breakerCooldownMs: 60_000,
    autoPipelining: true,
    leaseLifetimeMs: SETTINGS_DEFAULTS.rateLimit.leaseLifetimeMs,
    maxReconnectDelayMs: 100,
    clock: systemClock,
    logger: captureLogs('silent').logger,
  });
  t.teardown(() => limiter.close());
  t.equal(await limiter.ready(5_000), true, 'connected');

  const startedAt = Date.now();
  let allowed = 0;
  for (let i = 0; i < 40; i++) if ((await limiter.take(singleWindowPlan('key_a', FIFTY_PER_MINUTE), 1)).allowed) allowed++;
  t.equal(allowed, 40, 'Redis admitted the first 40');
  t.equal(limiter.backend(), 'redis');

  await redis.stop();
  // The pauses spread the requests over the outage, so the bucket refills as it would for a real client.
  for (let i = 0; i < 160; i++) {
    if ((await limiter.take(singleWindowPlan('key_a', FIFTY_PER_MINUTE), 1)).allowed) allowed++;
    await sleep(31);
  }
  const elapsedMs = Date.now() - startedAt;
  t.equal(limiter.backend(), 'fallback', 'the later requests were answered by the fallback');
  // One gateway: the limit, plus what refilled over the whole interval (rounded up).
  const bound = FIFTY_PER_MINUTE.requests + Math.ceil((elapsedMs * FIFTY_PER_MINUTE.requests) / FIFTY_PER_MINUTE.perMs);
  t.ok(allowed <= bound, `${allowed} of 200 admitted in ${elapsedMs} ms; at most ${bound}`);
  t.ok(allowed >= FIFTY_PER_MINUTE.requests, 'and the key kept what it had left (the fallback enforces, it does not block)');
  t.comment(`admitted ${allowed} of 200 across ${elapsedMs} ms (bound ${bound})`);

  const fresh = await Promise.all(Array.from({ length: 60 }, () => limiter.take(singleWindowPlan('never_seen', FIFTY_PER_MINUTE), 1)));
  t.equal(fresh.filter((d) => d.allowed).length, 50, 'a key never seen on this gateway starts full');
});
