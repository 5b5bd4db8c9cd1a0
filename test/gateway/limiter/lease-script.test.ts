// The take script's side of token leases, over a real redis-server: how many
// tokens a take is leased (at most what it wants, at most 1/LEASE_SHARE of
// what the emptiest check has left, none below MIN_LEASE, none on a quota
// whose period ends within a lifetime, none for a refused take), that every
// check is charged the same grant while the reply counts it back in, and
// tokens given back (capped at capacity; a quota's only within its period;
// written even when the take is refused).
import t from 'tap';
import { buildPlan, singleWindowPlan } from '../../../gateway/limiter/limit-plan.js';
import { createRedisClient, whenReady } from '../../../gateway/limiter/redis-client.js';
import { createRedisLimiter, type LeaseRequest, type RedisLimiter } from '../../../gateway/limiter/redis-limiter.js';
import { LEASE_SHARE, MIN_LEASE } from '../../../gateway/limiter/take-script.js';
import type { RateLimitSpec } from '../../../gateway/limiter/types.js';
import { startRedis } from '../../helpers/redis-server.js';
import { GENEROUS_TIMEOUT_MS, inspector } from './fixtures/redis.js';

const DAY_MS = 86_400_000;
const perDay = (requests: number): RateLimitSpec => ({ requests, perMs: DAY_MS });
const want = (tokens: number): LeaseRequest => ({ want: tokens, giveBack: 0, grantedAtMs: 0 });

async function leasingLimiter(t: Parameters<typeof startRedis>[0], url: string, leaseLifetimeMs = 200): Promise<RedisLimiter> {
  const client = createRedisClient(url, { commandTimeoutMs: GENEROUS_TIMEOUT_MS });
  const limiter = createRedisLimiter({ client, commandTimeoutMs: GENEROUS_TIMEOUT_MS, leaseLifetimeMs });
  t.teardown(() => limiter.close());
  if (!(await whenReady(client, 5_000))) throw new Error(`no connection to ${url}`);
  return limiter;
}

/** A window's stored tokens (what Redis holds: the lease taken out). */
const storedTokens = async (client: Awaited<ReturnType<typeof inspector>>, key: string) => Number(await client.hget(key, 'tokens'));

t.test('a lease is what the take wants, from a bucket far from empty; the reply counts it back in', async (t) => {
  const redis = await startRedis(t);
  const limiter = await leasingLimiter(t, redis.url);
  const client = await inspector(t, redis.url);
  const answer = await limiter.takeWithState(singleWindowPlan('key_far', perDay(10_000)), 1, want(100));
  t.equal(answer.granted, 100);
  t.match(answer.decision, { allowed: true, remaining: 9_999 }, 'the request sees the bucket with its lease still in it');
  t.ok(Math.abs(answer.levels[0]! - 9_999) < 0.01);
  const stored = await storedTokens(client, 'rl:{key_far}');
  t.ok(stored >= 9_899 && stored < 9_899.01, `Redis holds the lease out: ${stored}`);
});

t.test('lease sizes shrink as the bucket drains, and stop near empty', async (t) => {
  const redis = await startRedis(t);
  const limiter = await leasingLimiter(t, redis.url);
  const fraction = await limiter.takeWithState(singleWindowPlan('key_400', perDay(400)), 1, want(1_000));
  t.equal(fraction.granted, Math.floor(399 / LEASE_SHARE), 'at most a fraction of what is left');
  const smallest = LEASE_SHARE * MIN_LEASE + 1; // leaves LEASE_SHARE * MIN_LEASE after a cost of 1
  t.equal((await limiter.takeWithState(singleWindowPlan('key_edge', perDay(smallest)), 1, want(50))).granted, MIN_LEASE);
  t.equal(
    (await limiter.takeWithState(singleWindowPlan('key_near', perDay(smallest - 1)), 1, want(50))).granted,
    0,
    'below MIN_LEASE: none',
  );
  t.equal((await limiter.takeWithState(singleWindowPlan('key_one', perDay(1_000)), 1, want(1))).granted, 0, 'wanting one is no lease');
  const drained = singleWindowPlan('key_drained', perDay(100));
  t.equal((await limiter.takeWithState(drained, 90, want(0))).granted, 0);
  const refused = await limiter.takeWithState(drained, 20, want(5));
  t.match(refused, { granted: 0, decision: { allowed: false, remaining: 10 } }, 'a refused take is leased nothing');
});

t.test('every check of a plan is leased the same tokens, sized by the emptiest', async (t) => {
  const redis = await startRedis(t);
  const limiter = await leasingLimiter(t, redis.url);
  const client = await inspector(t, redis.url);
  const twoLengths = buildPlan({
    keyId: 'key_two',
    keyWindows: [perDay(1_000), { requests: 100, perMs: 2 * DAY_MS }],
    policyWindows: [],
    quota: { limit: 50_000, period: 'month' },
  });
  const answer = await limiter.takeWithState(twoLengths, 1, want(50));
  t.equal(answer.granted, Math.floor(99 / LEASE_SHARE), 'the 100 window, with 99 left, sizes it');
  t.same(
    answer.decision.checks.map((check) => check.remaining),
    [999, 99, 49_999],
    'every check reports the request alone',
  );
  const grant = answer.granted;
  t.ok(Math.abs((await storedTokens(client, `rl:{key_two}:w${DAY_MS}`)) - (999 - grant)) < 0.01, 'the long window lent it');
  t.ok(Math.abs((await storedTokens(client, `rl:{key_two}:w${2 * DAY_MS}`)) - (99 - grant)) < 0.01, 'the short one too');
  t.equal(Number(await client.hget('rl:{key_two}:q:month', 'u')), 1 + grant, 'and the quota counts it');
});

t.test("no lease on a quota whose period ends within the lease's lifetime", async (t) => {
  const redis = await startRedis(t);
  const quotaPlan = (id: string, period: 'day' | 'month') =>
    buildPlan({ keyId: id, keyWindows: [perDay(1_000)], policyWindows: [], quota: { limit: 10_000, period } });
  const longLived = await leasingLimiter(t, redis.url, 2 * DAY_MS); // every day ends within it
  t.equal((await longLived.takeWithState(quotaPlan('key_q1', 'day'), 1, want(50))).granted, 0);
  t.equal((await longLived.takeWithState(singleWindowPlan('key_w1', perDay(1_000)), 1, want(50))).granted, 50, 'a window has no period');
  const shortLived = await leasingLimiter(t, redis.url, 200);
  const monthly = await shortLived.takeWithState(quotaPlan('key_q2', 'month'), 1, want(50));
  // Only in the last 200 ms of a month would this be refused a lease.
  const monthEnds = new Date(monthly.redisNowMs);
  const msToMonthEnd = Date.UTC(monthEnds.getUTCFullYear(), monthEnds.getUTCMonth() + 1) - monthly.redisNowMs;
  t.equal(monthly.granted, msToMonthEnd >= 200 ? 50 : 0, 'a month that outlives the lease');
});

t.test('tokens given back are capped at capacity and written even when the take is refused', async (t) => {
  const redis = await startRedis(t);
  const limiter = await leasingLimiter(t, redis.url);
  const client = await inspector(t, redis.url);
  const plan = singleWindowPlan('key_back', perDay(1_000));
  const leased = await limiter.takeWithState(plan, 1, want(100));
  t.equal(leased.granted, 100);
  const back = await limiter.takeWithState(plan, 1, { want: 0, giveBack: 60, grantedAtMs: leased.redisNowMs });
  t.match(back.decision, { allowed: true, remaining: 999 - 40 - 1 }, '60 of 100 back: the 40 spent stay out');
  t.ok(Math.abs((await storedTokens(client, 'rl:{key_back}')) - 958) < 0.01);
  const capped = await limiter.takeWithState(plan, 0, { want: 0, giveBack: 500, grantedAtMs: 0 });
  t.equal(capped.decision.remaining, 1_000, 'capped at capacity');
  const drained = singleWindowPlan('key_back_refused', perDay(10));
  t.equal((await limiter.takeWithState(drained, 10, want(0))).decision.remaining, 0);
  const refused = await limiter.takeWithState(drained, 5, { want: 0, giveBack: 3, grantedAtMs: 0 });
  t.match(refused.decision, { allowed: false, remaining: 3 }, 'refused, the 3 given back counted');
  t.ok(Math.abs((await storedTokens(client, 'rl:{key_back_refused}')) - 3) < 0.01, 'and written');
});

t.test('a quota takes tokens back only within the period they were leased in', async (t) => {
  const redis = await startRedis(t);
  const limiter = await leasingLimiter(t, redis.url);
  const client = await inspector(t, redis.url);
  const plan = buildPlan({ keyId: 'key_qb', keyWindows: [perDay(10_000)], policyWindows: [], quota: { limit: 10_000, period: 'month' } });
  const leased = await limiter.takeWithState(plan, 1, want(100));
  t.equal(leased.granted, 100);
  t.equal(Number(await client.hget('rl:{key_qb}:q:month', 'u')), 101);
  await limiter.takeWithState(plan, 0, { want: 0, giveBack: 30, grantedAtMs: leased.redisNowMs - 40 * DAY_MS });
  t.equal(Number(await client.hget('rl:{key_qb}:q:month', 'u')), 101, 'leased in an earlier month: the quota keeps its count');
  await limiter.takeWithState(plan, 0, { want: 0, giveBack: 30, grantedAtMs: leased.redisNowMs });
  t.equal(Number(await client.hget('rl:{key_qb}:q:month', 'u')), 71, 'this month: 30 back');
});

t.test('takes batched in one call each get their own lease', async (t) => {
  const redis = await startRedis(t);
  const limiter = await leasingLimiter(t, redis.url);
  const plan = singleWindowPlan('key_batch', perDay(10_000));
  const answers = await Promise.all([want(0), want(40), want(0), want(7)].map((lease) => limiter.takeWithState(plan, 1, lease)));
  t.same(
    answers.map((a) => a.granted),
    [0, 40, 0, 7],
  );
  t.same(
    answers.map((a) => a.decision.remaining),
    [9_999, 9_998, 9_998 - 40 - 1, 9_998 - 40 - 2],
    'in order, each seeing what the one before left in Redis',
  );
});
