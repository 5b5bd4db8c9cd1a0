// Exact counts against a real Redis: a limit of N lets exactly N of 3N
// concurrent takes through, whether they come through one limiter or through
// two limiter instances on separate connections sharing the Redis (what two
// gateway processes do).
import t from 'tap';
import { startRedis } from '../../helpers/redis-server.js';
import type { RateLimitSpec } from '../../../gateway/limiter/types.js';
import { connectLimiter } from './fixtures/redis.js';
import { singleWindowPlan } from '../../../gateway/limiter/limit-plan.js';

const N = 40;
const SPEC: RateLimitSpec = { requests: N, perMs: 3_600_000 }; // no refill to speak of during the test

t.test('one limiter: exactly N of 3N concurrent takes', async (t) => {
  const redis = await startRedis(t);
  const limiter = await connectLimiter(t, redis.url);
  const decisions = await Promise.all(Array.from({ length: 3 * N }, () => limiter.take(singleWindowPlan('key_one', SPEC), 1)));
  t.equal(decisions.filter((d) => d.allowed).length, N);
  t.same(
    decisions
      .filter((d) => d.allowed)
      .map((d) => d.remaining)
      .sort((a, b) => a - b),
    Array.from({ length: N }, (_, i) => i),
    'each allowed take saw a distinct remaining count',
  );
});

t.test('two limiters with separate connections: exactly N in total', async (t) => {
  const redis = await startRedis(t);
  const a = await connectLimiter(t, redis.url);
  const b = await connectLimiter(t, redis.url);
  const decisions = await Promise.all(
    Array.from({ length: 3 * N }, (_, i) => (i % 2 ? a : b).take(singleWindowPlan('key_shared', SPEC), 1)),
  );
  t.equal(decisions.filter((d) => d.allowed).length, N);
});

t.test('costs count exactly under concurrency', async (t) => {
  const redis = await startRedis(t);
  const limiter = await connectLimiter(t, redis.url);
  const decisions = await Promise.all(Array.from({ length: 3 * N }, () => limiter.take(singleWindowPlan('key_costly', SPEC), 4)));
  t.equal(decisions.filter((d) => d.allowed).length, N / 4);
});
