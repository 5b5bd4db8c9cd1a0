// Decision values and storage against a real Redis. Time is Redis' own, so
// values that depend on it are bracketed by Redis' clock read just before and
// just after the take (never by the gateway's clock).
import t from 'tap';
import { startRedis } from '../../helpers/redis-server.js';
import { bucketKey } from '../../../gateway/limiter/redis-limiter.js';
import type { RateLimitSpec } from '../../../gateway/limiter/types.js';
import { connectLimiter, inspector, redisNowMs } from './fixtures/redis.js';
import { singleWindowPlan } from '../../../gateway/limiter/limit-plan.js';

const TEN_PER_MINUTE: RateLimitSpec = { requests: 10, perMs: 60_000 }; // one token per 6 s

t.test('values on allowed and refused takes, costs included', async (t) => {
  const redis = await startRedis(t);
  const limiter = await connectLimiter(t, redis.url);
  const client = await inspector(t, redis.url);

  const before = await redisNowMs(client);
  const first = await limiter.take(singleWindowPlan('key_1', TEN_PER_MINUTE), 1);
  const after = await redisNowMs(client);
  t.match(first, { allowed: true, limit: 10, remaining: 9, retryAfterSec: 0 });
  // One token short: full again 6 s after the take, rounded up to the second.
  t.ok(
    first.resetAtSec >= Math.ceil((before + 6_000) / 1000) && first.resetAtSec <= Math.ceil((after + 6_000) / 1000),
    'reset = take time + 6 s, rounded up',
  );

  t.match(await limiter.take(singleWindowPlan('key_1', TEN_PER_MINUTE), 4), { allowed: true, remaining: 5, retryAfterSec: 0 }, 'cost 4');
  const last = await limiter.take(singleWindowPlan('key_1', TEN_PER_MINUTE), 5);
  t.match(last, { allowed: true, remaining: 0 }, 'cost 5 empties it');

  const refused = await limiter.take(singleWindowPlan('key_1', TEN_PER_MINUTE), 1);
  t.match(refused, { allowed: false, limit: 10, remaining: 0, retryAfterSec: 6 }, 'refused: Retry-After rounds ~6 s up to 6');
  t.equal(refused.resetAtSec, last.resetAtSec, 'a refusal consumes nothing, so the reset time stays');
  t.match(
    await limiter.take(singleWindowPlan('key_1', TEN_PER_MINUTE), 11),
    { allowed: false, remaining: 0, retryAfterSec: 66 },
    'cost above capacity',
  );
  t.match(await limiter.take(singleWindowPlan('key_2', TEN_PER_MINUTE), 0), { allowed: true, remaining: 10 }, 'cost 0 only reports');
});

t.test('the bucket is a hash under a hash-tagged key that expires when full again', async (t) => {
  const redis = await startRedis(t);
  const limiter = await connectLimiter(t, redis.url);
  const client = await inspector(t, redis.url);
  t.equal(bucketKey('key_1'), 'rl:{key_1}');

  await limiter.take(singleWindowPlan('key_1', TEN_PER_MINUTE), 3);
  const stored = await client.hgetall('rl:{key_1}');
  t.same(Object.keys(stored).sort(), ['tokens', 'ts']);
  t.ok(Math.abs(Number(stored.tokens) - 7) < 1e-6, `7 tokens stored (${stored.tokens})`);
  const ttl = await client.pttl('rl:{key_1}');
  t.ok(ttl > 0 && ttl <= 18_000, `TTL ${ttl} ms is the time until full (at most 18 s)`);

  const ts = stored.ts;
  await limiter.take(singleWindowPlan('key_1', TEN_PER_MINUTE), 50);
  t.equal((await client.hget('rl:{key_1}', 'ts')) ?? '', ts, 'a refusal writes nothing');

  await limiter.take(singleWindowPlan('odd:{id}with}braces', TEN_PER_MINUTE), 1);
  t.equal(await client.exists('rl:{odd:{id}with}braces}'), 1, 'any bucket id works');
});

t.test('the script is reloaded when Redis has forgotten it', async (t) => {
  const redis = await startRedis(t);
  const limiter = await connectLimiter(t, redis.url);
  const client = await inspector(t, redis.url);
  await limiter.take(singleWindowPlan('key_1', TEN_PER_MINUTE), 1);
  await client.call('SCRIPT', 'FLUSH');
  t.match(await limiter.take(singleWindowPlan('key_1', TEN_PER_MINUTE), 1), { allowed: true, remaining: 8 });
});
