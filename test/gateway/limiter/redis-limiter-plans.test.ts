// Plans of several checks over a real redis-server: all-or-nothing across
// windows (a take refused by one window charges none, proven by the stored
// hashes and the counts admitted after), exact counts for concurrent takes of
// different plans in one script call, the quota's period derived in Lua (the
// very text the script runs, against the shared table of boundary instants)
// and live from Redis' TIME, and an outage that continues from every check's
// level (open mode) or refuses with 503 (closed mode).
import t from 'tap';
import { SETTINGS_DEFAULTS } from '../../../config/settings-sections.js';
import { systemClock } from '../../../core/clock.js';
import { quotaPeriod } from '../../../core/quota-period.js';
import { createLimiter } from '../../../gateway/limiter/create-limiter.js';
import { buildPlan, type PlanSources } from '../../../gateway/limiter/limit-plan.js';
import { QUOTA_KIND, QUOTA_PERIOD_LUA } from '../../../gateway/limiter/quota-lua.js';
import type { FailureMode } from '../../../config/settings-sections.js';
import type { RateLimitSpec } from '../../../gateway/limiter/types.js';
import { captureLogs } from '../../helpers/log-capture.js';
import { QUOTA_BOUNDARIES } from '../../helpers/quota-boundaries.js';
import { startRedis } from '../../helpers/redis-server.js';
import { connectLimiter, inspector, redisNowMs, scriptCalls } from './fixtures/redis.js';

const spec = (requests: number, perMs: number): RateLimitSpec => ({ requests, perMs });

/** The policy's windows for `keyId` (`:w<perMs>` buckets), plus whatever `more` sets. */
const plan = (keyId: string, windows: RateLimitSpec[], more: Partial<PlanSources> = {}) =>
  buildPlan({ keyId, keyWindows: null, policyWindows: windows, quota: null, ...more });

/** The key's own windows: buckets of the same length are the policy plan's. */
const ownPlan = (keyId: string, windows: RateLimitSpec[], more: Partial<PlanSources> = {}) =>
  buildPlan({ keyId, keyWindows: windows, policyWindows: [], quota: null, ...more });

t.test('a take refused by one window charges none of the others', async (t) => {
  const redis = await startRedis(t);
  const limiter = await connectLimiter(t, redis.url);
  const client = await inspector(t, redis.url);
  const both = plan('key_1', [spec(3, 10_000), spec(5, 1_000_000)]);
  // The key's own 5/1000 s window is the same bucket as the policy's: spend 4 of it alone.
  t.match(await limiter.take(ownPlan('key_1', [spec(5, 1_000_000)]), 4), { allowed: true, remaining: 1 });

  const refused = await limiter.take(both, 2);
  t.match(refused, { allowed: false, refusedBy: 'rate', limit: 5, remaining: 1 });
  t.match(
    refused.checks,
    [
      { allowed: true, remaining: 3 },
      { allowed: false, remaining: 1 },
    ],
    'the first window held, the second refused',
  );
  t.equal(await client.exists('rl:{key_1}:w10000'), 0, 'the first window was not written: still full');
  const second = await client.hgetall('rl:{key_1}:w1000000');
  t.ok(Number(second.tokens) >= 1 && Number(second.tokens) < 1.01, `the second window still holds 1 (${second.tokens})`);

  const after = await Promise.all(Array.from({ length: 3 }, () => limiter.take(both, 1)));
  t.same(
    after.map((d) => d.allowed),
    [true, false, false],
    'one more take: the second window had lost nothing',
  );
  t.match(after[0], { checks: [{ remaining: 2 }, { remaining: 0 }] }, 'and the first window paid for that one only');
  const first = await client.hgetall('rl:{key_1}:w10000');
  t.ok(Number(first.tokens) >= 2 && Number(first.tokens) < 2.01, `the first window holds 2 (${first.tokens})`);
});

t.test('concurrent takes of different plans in one call stay exact', async (t) => {
  const redis = await startRedis(t);
  const limiter = await connectLimiter(t, redis.url);
  const client = await inspector(t, redis.url);
  const tight = plan('key_a', [spec(10, 10_000), spec(12, 1_000_000)]);
  const other = plan('key_b', [spec(5, 1_000_000)], { quota: { limit: 3, period: 'day' } });
  const callsBefore = await scriptCalls(client);
  const decisions = await Promise.all(Array.from({ length: 40 }, (_, i) => limiter.take(i % 2 ? tight : other, 1)));
  t.equal((await scriptCalls(client)) - callsBefore, 1, 'one script call for the 40 takes');
  const ofA = decisions.filter((_, i) => i % 2 === 1);
  const ofB = decisions.filter((_, i) => i % 2 === 0);
  t.equal(ofA.filter((d) => d.allowed).length, 10, 'key_a: the 10 s window, the tightest, admits 10 of 20');
  t.ok(
    ofA.slice(10).every((d) => d.refusedBy === 'rate' && d.checks[0]?.allowed === false && d.checks[1]?.remaining === 2),
    'the rest are refused by it, the other window charged for the 10 only',
  );
  t.equal(ofB.filter((d) => d.allowed).length, 3, 'key_b: the quota admits 3 of 20');
  t.ok(
    ofB.slice(3).every((d) => d.refusedBy === 'quota' && d.checks[0]?.remaining === 2),
    'the rest are refused by the quota, the window charged for the 3 only',
  );
  t.same(await client.hgetall('rl:{key_b}:q:day'), { p: String(quotaPeriod(await redisNowMs(client), 'day').id), u: '3' });
});

t.test("the quota's period, derived in Lua, matches the table of boundary instants", async (t) => {
  const redis = await startRedis(t);
  const client = await inspector(t, redis.url);
  // The take script's own function, evaluated for each instant in ARGV.
  const probe = `${QUOTA_PERIOD_LUA}
local kind, out = tonumber(ARGV[1]), {}
for i = 2, #ARGV do
  local id, period_start, period_end = quota_period(tonumber(ARGV[i]), kind)
  out[#out + 1] = { id, period_start, period_end }
end
return out`;
  for (const period of ['day', 'month'] as const) {
    const rows = QUOTA_BOUNDARIES.filter((row) => row.period === period);
    const reply = (await client.eval(probe, 0, QUOTA_KIND[period], ...rows.map((row) => row.atMs))) as number[][];
    rows.forEach((row, i) => t.same(reply[i], [row.id, row.startMs, row.endMs], `${period}: ${row.label}`));
  }
  t.equal(QUOTA_BOUNDARIES.length, 15, 'every row was evaluated');
});

t.test("a take charges the current period's counter, which expires with its period", async (t) => {
  const redis = await startRedis(t);
  const limiter = await connectLimiter(t, redis.url);
  const client = await inspector(t, redis.url);
  const monthly = plan('key_q', [spec(100, 60_000)], { quota: { limit: 5, period: 'month' } });
  const before = await redisNowMs(client);
  t.match(await limiter.take(monthly, 2), { allowed: true, checks: [{ remaining: 98 }, { remaining: 3 }] });
  const period = quotaPeriod(before, 'month');
  t.same(await client.hgetall('rl:{key_q}:q:month'), { p: String(period.id), u: '2' }, "Redis' own month, charged the cost");
  const ttl = await client.pttl('rl:{key_q}:q:month');
  t.ok(ttl > 0 && ttl <= period.endMs - Math.floor(before), `expires at the end of the month (PTTL ${ttl} ms)`);

  t.match(await limiter.take(monthly, 3), { allowed: true, remaining: 0 });
  const windowBefore = await client.hgetall('rl:{key_q}:w60000');
  const refusedFrom = await redisNowMs(client);
  const spent = await limiter.take(monthly, 1);
  const refusedBy = await redisNowMs(client);
  t.match(spent, { allowed: false, refusedBy: 'quota', limit: 5, remaining: 0, resetAtSec: Math.ceil(period.endMs / 1000) });
  t.ok(
    spent.retryAfterSec >= Math.ceil((period.endMs - refusedBy) / 1000) &&
      spent.retryAfterSec <= Math.ceil((period.endMs - refusedFrom) / 1000),
    `Retry-After: until the end of the month (${spent.retryAfterSec} s)`,
  );
  t.match(spent.checks, [
    { allowed: true, remaining: 95 },
    { allowed: false, remaining: 0 },
  ]);
  t.same(await client.hgetall('rl:{key_q}:w60000'), windowBefore, 'the refused take charged the window nothing');
  t.same(await client.hgetall('rl:{key_q}:q:month'), { p: String(period.id), u: '5' }, 'nor the quota');
});

t.test('a counter of an earlier period counts as unused', async (t) => {
  const redis = await startRedis(t);
  const limiter = await connectLimiter(t, redis.url);
  const client = await inspector(t, redis.url);
  const daily = plan('key_old', [spec(100, 60_000)], { quota: { limit: 3, period: 'day' } });
  const today = quotaPeriod(await redisNowMs(client), 'day');
  await client.hset('rl:{key_old}:q:day', 'p', String(today.id - 1), 'u', '3');
  t.match(await limiter.take(daily, 1), { allowed: true, checks: [{}, { remaining: 2 }] });
  t.same(await client.hgetall('rl:{key_old}:q:day'), { p: String(today.id), u: '1' });
});

function limiterOver(url: string, onRedisFailure: FailureMode) {
  return createLimiter({
    redisUrl: url,
    commandTimeoutMs: 1_000,
    onRedisFailure,
    breakerCooldownMs: 60_000,
    autoPipelining: true,
    leaseLifetimeMs: SETTINGS_DEFAULTS.rateLimit.leaseLifetimeMs,
    maxReconnectDelayMs: 100,
    clock: systemClock,
    logger: captureLogs('silent').logger,
  });
}

t.test('open mode: an outage continues from every window and the quota of the plan', async (t) => {
  const redis = await startRedis(t);
  const limiter = limiterOver(redis.url, 'open');
  t.teardown(() => limiter.close());
  t.equal(await limiter.ready(5_000), true);
  const quota = { limit: 20, period: 'day' } as const;
  const full = plan('key_f', [spec(4, 3_600_000), spec(10, 86_400_000)], { quota });
  for (let i = 0; i < 3; i++) t.match(await limiter.take(full, 1), { allowed: true, backend: 'redis' });

  await redis.stop();
  const during = await Promise.all(Array.from({ length: 5 }, () => limiter.take(full, 1)));
  t.ok(
    during.every((d) => d.backend === 'fallback'),
    'answered by the fallback',
  );
  t.equal(during.filter((d) => d.allowed).length, 1, 'the 4/h window kept the 3 Redis counted: 1 more, not 4');
  // Plans of the same key with fewer of its checks: each check holds what Redis and the fallback counted.
  const daily = await Promise.all(Array.from({ length: 10 }, () => limiter.take(ownPlan('key_f', [spec(10, 86_400_000)], { quota }), 1)));
  t.equal(daily.filter((d) => d.allowed).length, 6, 'the 10/day window kept the 4 counted: 6 more, not 10');
  const quotaOnly = await Promise.all(Array.from({ length: 15 }, () => limiter.take(ownPlan('key_f', [], { quota }), 1)));
  t.equal(quotaOnly.filter((d) => d.allowed).length, 10, 'the quota kept the 10 counted: 10 more, not 20');
});

t.test('closed mode: 503 for a plan while Redis is away', async (t) => {
  const redis = await startRedis(t);
  const limiter = limiterOver(redis.url, 'closed');
  t.teardown(() => limiter.close());
  t.equal(await limiter.ready(5_000), true);
  const windows = plan('key_c', [spec(5, 1_000), spec(10, 60_000)], { quota: { limit: 100, period: 'month' } });
  t.match(await limiter.take(windows, 1), { allowed: true, backend: 'redis' });
  await redis.stop();
  await t.rejects(Promise.resolve(limiter.take(windows, 1)), { code: 'rate_limiter_unavailable', status: 503 });
});
