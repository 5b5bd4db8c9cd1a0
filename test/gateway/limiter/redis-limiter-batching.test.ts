// Takes made in one event-loop turn reach Redis as one script call, and each
// take still gets its own answer, computed in order.
import t from 'tap';
import { startRedis } from '../../helpers/redis-server.js';
import { createRedisClient, whenReady, type RedisClient } from '../../../gateway/limiter/redis-client.js';
import { createRedisLimiter } from '../../../gateway/limiter/redis-limiter.js';
import type { RateLimitSpec } from '../../../gateway/limiter/types.js';
import { connectLimiter, GENEROUS_TIMEOUT_MS, inspector } from './fixtures/redis.js';
import { singleWindowPlan } from '../../../gateway/limiter/limit-plan.js';

const TEN_PER_HOUR: RateLimitSpec = { requests: 10, perMs: 3_600_000 };
const HUNDRED_PER_HOUR: RateLimitSpec = { requests: 100, perMs: 3_600_000 };

/** Script calls Redis has run (EVAL on a fresh connection, EVALSHA after). */
async function scriptCalls(client: RedisClient): Promise<number> {
  const stats = await client.info('commandstats');
  let calls = 0;
  for (const match of stats.matchAll(/^cmdstat_(?:eval|evalsha):calls=(\d+)/gm)) calls += Number(match[1]);
  return calls;
}

/** What `traffic` resolved with, and how many script calls it cost Redis. */
async function countingCalls<T>(client: RedisClient, traffic: () => Promise<T>): Promise<{ result: T; calls: number }> {
  const before = await scriptCalls(client);
  const result = await traffic();
  return { result, calls: (await scriptCalls(client)) - before };
}

t.test('takes made in one loop turn share one script call, each with its own answer', async (t) => {
  const redis = await startRedis(t);
  const limiter = await connectLimiter(t, redis.url);
  const client = await inspector(t, redis.url);
  const { result: decisions, calls } = await countingCalls(client, () =>
    Promise.all([
      limiter.take(singleWindowPlan('key_a', TEN_PER_HOUR), 1),
      limiter.take(singleWindowPlan('key_b', HUNDRED_PER_HOUR), 30),
      limiter.take(singleWindowPlan('key_a', TEN_PER_HOUR), 4),
      limiter.take(singleWindowPlan('key_a', TEN_PER_HOUR), 6),
      limiter.take(singleWindowPlan('key_b', HUNDRED_PER_HOUR), 0),
    ]),
  );
  t.equal(calls, 1, 'one script call for five takes');
  t.match(
    decisions,
    [
      { allowed: true, limit: 10, remaining: 9 },
      { allowed: true, limit: 100, remaining: 70 },
      { allowed: true, limit: 10, remaining: 5 },
      { allowed: false, limit: 10, remaining: 5 },
      { allowed: true, limit: 100, remaining: 70 },
    ],
    'takes applied in call order, each with its own key, spec and cost',
  );
});

t.test('a full batch is sent at once; the rest of the turn goes in the next call', async (t) => {
  const redis = await startRedis(t);
  const limiter = createRedisLimiter({
    client: createRedisClient(redis.url, { commandTimeoutMs: GENEROUS_TIMEOUT_MS }),
    commandTimeoutMs: GENEROUS_TIMEOUT_MS,
    maxTakesPerCall: 4,
  });
  t.teardown(() => limiter.close());
  t.ok(await whenReady(limiter.client, 5_000));
  const client = await inspector(t, redis.url);
  const { result: decisions, calls } = await countingCalls(client, () =>
    Promise.all(Array.from({ length: 10 }, () => limiter.take(singleWindowPlan('key_c', TEN_PER_HOUR), 1))),
  );
  t.equal(calls, 3, '10 takes, at most 4 per call: 3 calls');
  t.same(
    decisions.map((d) => d.remaining),
    [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
    'counted in order across calls',
  );
});

t.test('takes awaited one after another are one call each', async (t) => {
  const redis = await startRedis(t);
  const limiter = await connectLimiter(t, redis.url);
  const client = await inspector(t, redis.url);
  const { calls } = await countingCalls(client, async () => {
    for (let i = 0; i < 3; i++) await limiter.take(singleWindowPlan('key_d', TEN_PER_HOUR), 1);
  });
  t.equal(calls, 3);
});
