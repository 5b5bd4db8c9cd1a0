// Token leases in the limiter a gateway runs (resilient wrapper over a real
// redis-server, a manual clock for the lease lifetimes; Redis keeps its own
// clock and per-day windows keep its refill below a token): a hot key is
// paid from the lease, synchronously and without Redis, with Remaining
// counting down by one across leases and renewals; a gateway that dies
// loses at most its outstanding lease; an expired lease gives its unspent
// tokens back; an outage in open mode continues from the lease.
import t from 'tap';
import { createManualClock, type ManualClock } from '../../../core/clock.js';
import { singleWindowPlan } from '../../../gateway/limiter/limit-plan.js';
import { createRedisClient, whenReady } from '../../../gateway/limiter/redis-client.js';
import { createRedisLimiter } from '../../../gateway/limiter/redis-limiter.js';
import { createResilientLimiter, type ResilientLimiter } from '../../../gateway/limiter/resilient-limiter.js';
import type { LimitDecision, LimitPlan } from '../../../gateway/limiter/types.js';
import { captureLogs } from '../../helpers/log-capture.js';
import { startRedis, type RedisServer } from '../../helpers/redis-server.js';
import { inspector, scriptCalls } from './fixtures/redis.js';

const LIFETIME_MS = 200;
const DAY_MS = 86_400_000;
const CAPACITY = 5_000;
const plan = singleWindowPlan('key_hot', { requests: CAPACITY, perMs: DAY_MS });

async function gateway(t: Parameters<typeof startRedis>[0], redis: RedisServer, clock: ManualClock): Promise<ResilientLimiter> {
  const client = createRedisClient(redis.url, { commandTimeoutMs: 2_000, maxReconnectDelayMs: 100 });
  const limiter = createResilientLimiter({
    redis: createRedisLimiter({ client, commandTimeoutMs: 2_000, leaseLifetimeMs: LIFETIME_MS }),
    redisAddress: `127.0.0.1:${redis.port}`,
    onRedisFailure: 'open',
    breakerCooldownMs: 60_000,
    breakerFailureThreshold: 1,
    clock,
    logger: captureLogs('silent').logger,
    leaseLifetimeMs: LIFETIME_MS,
  });
  t.teardown(() => limiter.close());
  if (!(await whenReady(client, 5_000))) throw new Error('no connection');
  return limiter;
}

/**
 * `n` sequential takes; the await after each lets a background renewal be answered
 * in time, as the loop turns between requests do in a gateway.
 */
async function takes(limiter: ResilientLimiter, n: number, on: LimitPlan = plan): Promise<LimitDecision[]> {
  const decisions: LimitDecision[] = [];
  for (let i = 0; i < n; i++) {
    decisions.push(await limiter.take(on, 1));
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return decisions;
}

/** Warm `plan` up for a whole lifetime on `limiter`, so its next take asks for a lease of `demand`. */
async function makeHot(limiter: ResilientLimiter, clock: ManualClock, demand: number): Promise<void> {
  await takes(limiter, demand);
  clock.advance(LIFETIME_MS);
}

t.test('a hot key is paid from its lease: synchronously, without Redis, Remaining counting down by one', async (t) => {
  const redis = await startRedis(t);
  const clock = createManualClock(Date.now());
  const limiter = await gateway(t, redis, clock);
  const client = await inspector(t, redis.url);
  await makeHot(limiter, clock, 100);
  const callsBefore = await scriptCalls(client);
  const decisions: LimitDecision[] = [];
  let synchronous = 0;
  for (let i = 0; i < 1_000; i++) {
    const answer = limiter.take(plan, 1);
    if (!(answer instanceof Promise)) synchronous++;
    decisions.push(await answer);
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (i % 100 === 99) clock.advance(LIFETIME_MS / 2); // 100 requests per half lifetime
  }
  const calls = (await scriptCalls(client)) - callsBefore;
  t.ok(synchronous >= 900, `${synchronous} of 1,000 paid from a lease, answered without a promise`);
  t.ok(calls <= 30, `${calls} script calls for 1,000 requests`);
  t.same(
    decisions.map((d) => d.remaining),
    Array.from({ length: 1_000 }, (_, i) => CAPACITY - 101 - i),
    'Remaining falls by one per request across leases and renewals',
  );
  t.ok(
    decisions.every((d) => d.allowed && d.backend === 'redis'),
    "a lease answers on Redis' behalf",
  );
  t.equal(limiter.counters.leaseAdmissions, synchronous);
});

t.test('a gateway that dies loses at most its outstanding lease, and the bucket refills within its window', async (t) => {
  const redis = await startRedis(t);
  const clock = createManualClock(Date.now());
  const dying = await gateway(t, redis, clock);
  const client = await inspector(t, redis.url);
  await makeHot(dying, clock, 100);
  const admittedByDying = 100 + (await takes(dying, 30)).length;
  const outstanding = dying.counters.leasedTokens - dying.counters.leaseAdmissions;
  t.ok(outstanding > 0, `it died holding ${outstanding} leased tokens`);
  await dying.close(); // gone without giving anything back
  const survivor = await gateway(t, redis, createManualClock(Date.now()));
  let admitted = 0;
  for (const decision of await Promise.all(Array.from({ length: CAPACITY }, () => survivor.take(plan, 1))))
    if (decision.allowed) admitted++;
  t.equal(admitted, CAPACITY - admittedByDying - outstanding, 'every token is admitted once, except those the dead gateway held');
  const pttl = await client.pttl('rl:{key_hot}');
  t.ok(pttl > 0 && pttl <= DAY_MS, `the bucket is full again within its window (${pttl} ms)`);
});

t.test("an expired lease's unspent tokens are given back on the key's next call", async (t) => {
  const redis = await startRedis(t);
  const clock = createManualClock(Date.now());
  const limiter = await gateway(t, redis, clock);
  const client = await inspector(t, redis.url);
  await makeHot(limiter, clock, 100);
  const paid = await takes(limiter, 10);
  const unspent = limiter.counters.leasedTokens - limiter.counters.leaseAdmissions;
  t.ok(unspent > 0);
  const heldByRedis = Number(await client.hget('rl:{key_hot}', 'tokens'));
  clock.advance(10 * LIFETIME_MS); // expired; a key gone quiet for a while
  const grantedBefore = limiter.counters.leasedTokens;
  const next = await limiter.take(plan, 1);
  const newGrant = limiter.counters.leasedTokens - grantedBefore;
  t.equal(next.remaining, paid.at(-1)!.remaining - 1, 'Remaining goes on from where the lease left it');
  const nowHeld = Number(await client.hget('rl:{key_hot}', 'tokens'));
  t.ok(
    Math.abs(nowHeld - (heldByRedis + unspent - 1 - newGrant)) < 0.1,
    `Redis took back ${unspent} (held ${heldByRedis}, now ${nowHeld})`,
  );
});

t.test('an outage in open mode: the lease pays until it expires, then the fallback goes on from it', async (t) => {
  const redis = await startRedis(t);
  const clock = createManualClock(Date.now());
  const limiter = await gateway(t, redis, clock);
  await makeHot(limiter, clock, 100);
  const before = await takes(limiter, 5);
  await redis.stop();
  const during = await takes(limiter, 5);
  t.ok(
    during.every((d) => d.backend === 'redis'),
    'the lease, already paid for in Redis, still pays',
  );
  clock.advance(LIFETIME_MS);
  const fallback = await takes(limiter, 5);
  t.ok(
    fallback.every((d) => d.backend === 'fallback' && d.allowed),
    'then the fallback answers',
  );
  t.same(
    [...before, ...during, ...fallback].map((d) => d.remaining),
    Array.from({ length: 15 }, (_, i) => CAPACITY - 101 - i),
    'counting on from the lease, not from a full bucket',
  );
});
