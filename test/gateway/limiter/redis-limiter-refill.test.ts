// Refill over time against a real Redis. Redis' clock cannot be faked, so
// this is the one test that waits a bounded real interval; it asserts only
// what must hold once the window has passed, however busy the machine.
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { startRedis } from '../../helpers/redis-server.js';
import type { RateLimitSpec } from '../../../gateway/limiter/types.js';
import { connectLimiter } from './fixtures/redis.js';
import { singleWindowPlan } from '../../../gateway/limiter/limit-plan.js';

const TWO_PER_200MS: RateLimitSpec = { requests: 2, perMs: 200 };

t.test('after the window, the bucket is full again', async (t) => {
  const redis = await startRedis(t);
  const limiter = await connectLimiter(t, redis.url);
  // Sent together, so Redis runs them back to back: the second finds the bucket empty.
  const [emptied, refused] = await Promise.all([
    limiter.take(singleWindowPlan('key_1', TWO_PER_200MS), 2),
    limiter.take(singleWindowPlan('key_1', TWO_PER_200MS), 2),
  ]);
  t.match(emptied, { allowed: true, remaining: 0 });
  t.match(refused, { allowed: false, remaining: 0, retryAfterSec: 1 }, 'under a second away, rounded up to 1');

  await sleep(TWO_PER_200MS.perMs + 50);
  const [again, beyond] = await Promise.all([
    limiter.take(singleWindowPlan('key_1', TWO_PER_200MS), 2),
    limiter.take(singleWindowPlan('key_1', TWO_PER_200MS), 1),
  ]);
  t.match(again, { allowed: true, remaining: 0 }, 'the whole capacity is back');
  t.match(beyond, { allowed: false }, 'and no more than that');
});
