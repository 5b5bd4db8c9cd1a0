// Token leases never over-admit (issue 17): three gateways' limiters, each
// with its own connection to one real Redis, leasing hot keys' tokens.
// 1. Property, over random bursts: for every key and every window of its
//    plan, the cost admitted up to any admission is at most the capacity
//    plus the refill since the key's first take; a quota's, at most its limit.
// 2. Exact counts at the limit: a cold bucket of N admits N of 3N; a hot
//    bucket without refill admits exactly its capacity, though leases were
//    held, spent and left to expire on every gateway (none lapse).
// The random bursts are load, not waiting for an event: awaiting timers
// paces them. The one real wait is for leases to expire, which they do by time.
import t, { type Test } from 'tap';
import { setTimeout as sleep } from 'node:timers/promises';
import { SETTINGS_DEFAULTS } from '../../../config/settings-sections.js';
import { systemClock } from '../../../core/clock.js';
import { createLimiter } from '../../../gateway/limiter/create-limiter.js';
import { buildPlan, singleWindowPlan } from '../../../gateway/limiter/limit-plan.js';
import type { LimitDecision, LimitPlan, ManagedLimiter } from '../../../gateway/limiter/types.js';
import { captureLogs } from '../../helpers/log-capture.js';
import { startRedis } from '../../helpers/redis-server.js';

const LEASE_LIFETIME_MS = 100;
const DAY_MS = 86_400_000;
/**
 * Slack of the refill bound, in ms of refill: Redis refills by its TIME (µs)
 * and admissions are stamped by Date.now() (whole ms) on the same machine,
 * so the stamps can differ from Redis' instants by about a millisecond. Never
 * a whole capacity: a lease counted twice would still show.
 */
const CLOCK_MARGIN_MS = 5;
/** Replay a failure with LEASE_PROPERTY_SEED=<the seed in the test's name>. */
const SEED = Number(process.env.LEASE_PROPERTY_SEED ?? Math.floor(Math.random() * 2 ** 32));

/** mulberry32: a small seeded PRNG, floats in [0, 1). */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let x = Math.imul(state ^ (state >>> 15), state | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Three gateways' limiters as createLimiter builds them from default settings, sharing `redisUrl`. */
async function threeGateways(t: Test, redisUrl: string): Promise<ManagedLimiter[]> {
  const { rateLimit } = SETTINGS_DEFAULTS;
  const limiters = [1, 2, 3].map(() =>
    createLimiter({
      redisUrl,
      // A timed-out take is answered by the per-instance fallback, which may over-admit by design;
      // this test is about Redis' and the leases' decisions, so a loaded machine must not time out.
      commandTimeoutMs: 2_000,
      onRedisFailure: rateLimit.onRedisFailure,
      breakerCooldownMs: rateLimit.breakerCooldownMs,
      autoPipelining: rateLimit.redisAutoPipelining,
      leaseLifetimeMs: LEASE_LIFETIME_MS,
      clock: systemClock,
      logger: captureLogs('info').logger,
    }),
  );
  for (const limiter of limiters) t.teardown(() => limiter.close());
  for (const limiter of limiters) t.equal(await limiter.ready(5_000), true, 'limiter connected');
  return limiters;
}

const sum = (limiters: ManagedLimiter[], counter: 'leaseAdmissions' | 'leasedTokens' | 'fallbacks'): number =>
  limiters.reduce((total, limiter) => total + limiter.counters[counter], 0);

interface Admission {
  readonly atMs: number;
  readonly cost: number;
}

/** The first admission (if any) where the cost admitted so far exceeds `bound(ms since first take)`. */
function firstExcess(admissions: readonly Admission[], firstTakeAtMs: number, bound: (elapsedMs: number) => number): string | undefined {
  let admitted = 0;
  for (const { atMs, cost } of admissions) {
    admitted += cost;
    const allowed = bound(atMs - firstTakeAtMs);
    if (admitted > allowed) return `${admitted} admitted by +${atMs - firstTakeAtMs} ms, bound ${allowed.toFixed(2)}`;
  }
  return undefined;
}

t.test(`random bursts through three gateways never over-admit (seed ${SEED})`, async (t) => {
  const random = prng(SEED);
  const between = (low: number, high: number): number => low + Math.floor(random() * (high - low + 1));
  const redis = await startRedis(t);
  const limiters = await threeGateways(t, redis.url);
  const plans: LimitPlan[] = [
    buildPlan({ keyId: 'one-window', keyWindows: [{ requests: 300, perMs: 1_000 }], policyWindows: [], quota: null }),
    singleWindowPlan('roomy', { requests: 2_000, perMs: 5_000 }),
    buildPlan({
      keyId: 'two-windows-quota',
      keyWindows: [
        { requests: 300, perMs: 1_000 },
        { requests: 2_000, perMs: 5_000 },
      ],
      policyWindows: [],
      quota: { limit: 5_000, period: 'day' },
    }),
    buildPlan({
      keyId: 'quota-bound',
      keyWindows: [
        { requests: 600, perMs: 1_000 },
        { requests: 2_000, perMs: 5_000 },
      ],
      policyWindows: [],
      quota: { limit: 700, period: 'day' },
    }),
  ];
  const admissions = new Map<string, Admission[]>(plans.map((plan) => [plan.id, []]));
  const firstTakeAt = new Map<string, number>();
  const decided: Promise<void>[] = [];
  const record = (plan: LimitPlan, cost: number) => (decision: LimitDecision) => {
    if (decision.allowed) admissions.get(plan.id)?.push({ atMs: Date.now(), cost });
  };
  const runUntil = Date.now() + 2_500;
  while (Date.now() < runUntil) {
    const limiter = limiters[between(0, 2)] as ManagedLimiter;
    const plan = plans[between(0, plans.length - 1)] as LimitPlan;
    const [size, cost] = [between(1, 50), between(1, 3)];
    if (!firstTakeAt.has(plan.id)) firstTakeAt.set(plan.id, Date.now());
    for (let i = 0; i < size; i++) decided.push(Promise.resolve(limiter.take(plan, cost)).then(record(plan, cost)));
    await sleep(between(0, 30));
  }
  await Promise.all(decided);

  t.equal(sum(limiters, 'fallbacks'), 0, 'Redis answered every take');
  t.ok(sum(limiters, 'leaseAdmissions') > 0, 'takes were admitted from leases');
  t.ok(sum(limiters, 'leasedTokens') > 0, 'tokens were leased');
  for (const plan of plans) {
    const admitted = admissions.get(plan.id) ?? [];
    const firstTakeAtMs = firstTakeAt.get(plan.id) ?? 0;
    for (const check of plan.checks) {
      const excess =
        check.kind === 'window'
          ? firstExcess(admitted, firstTakeAtMs, (elapsedMs) => {
              const rate = check.spec.requests / check.spec.perMs;
              return check.spec.requests + rate * (elapsedMs + CLOCK_MARGIN_MS);
            })
          : firstExcess(admitted, firstTakeAtMs, () => check.quota.limit);
      t.equal(excess, undefined, `${check.id}: never over-admitted (${admitted.length} admissions)`);
    }
  }
});

t.test('a cold bucket of 60 admits exactly 60 of 180 concurrent takes across three gateways', async (t) => {
  const redis = await startRedis(t);
  const limiters = await threeGateways(t, redis.url);
  const plan = singleWindowPlan('cold', { requests: 60, perMs: DAY_MS });
  const decisions = await Promise.all(Array.from({ length: 180 }, (_, i) => (limiters[i % 3] as ManagedLimiter).take(plan, 1)));
  t.equal(decisions.filter((decision) => decision.allowed).length, 60);
  t.equal(sum(limiters, 'leasedTokens'), 0, 'a cold key is decided per request');
});

/**
 * Drive a no-refill bucket hot through all three gateways until every one is
 * refused, let every lease expire, then take round-robin until each gateway
 * has been refused `REFUSALS_IN_A_ROW` times in a row: exactly the capacity
 * is admitted, every leased token not spent from a lease having been given back.
 */
const REFUSALS_IN_A_ROW = 5;
async function drainHotBucket(t: Test, capacity: number, cost: number): Promise<void> {
  const redis = await startRedis(t);
  const limiters = await threeGateways(t, redis.url);
  const plan = singleWindowPlan('hot', { requests: capacity, perMs: DAY_MS });
  let admitted = 0;
  const take = async (limiter: ManagedLimiter): Promise<boolean> => {
    const { allowed } = await limiter.take(plan, cost);
    if (allowed) admitted += cost;
    return allowed;
  };
  // Small bursts per gateway, a few ms apart: hot for several lifetimes before the bucket runs dry.
  const refusedLast = [false, false, false];
  for (let round = 0; round < 5_000 && !refusedLast.every(Boolean); round++) {
    await Promise.all(
      limiters.map(async (limiter, i) => {
        const allowed = await Promise.all([1, 2, 3, 4].map(() => take(limiter)));
        refusedLast[i] = !allowed.some(Boolean);
      }),
    );
    await sleep(2);
  }
  t.ok(refusedLast.every(Boolean), 'every gateway was refused');
  t.ok(sum(limiters, 'leaseAdmissions') > 0, 'takes were admitted from leases');
  t.ok(sum(limiters, 'leasedTokens') > 0, 'tokens were leased');
  await sleep(LEASE_LIFETIME_MS + 50);
  const refusedInARow = [0, 0, 0];
  for (let round = 0; round < 1_000 && refusedInARow.some((count) => count < REFUSALS_IN_A_ROW); round++) {
    for (const [i, limiter] of limiters.entries()) refusedInARow[i] = (await take(limiter)) ? 0 : (refusedInARow[i] as number) + 1;
  }
  t.same(
    refusedInARow.map((count) => count >= REFUSALS_IN_A_ROW),
    [true, true, true],
    'every gateway is refused again and again',
  );
  t.equal(sum(limiters, 'fallbacks'), 0, 'Redis answered every take');
  const unspent = sum(limiters, 'leasedTokens') - cost * sum(limiters, 'leaseAdmissions');
  t.equal(admitted, capacity, `exactly the capacity (${unspent} leased tokens were not spent from leases: given back, or lost)`);
}

t.test('a hot bucket of 2,000 without refill admits exactly 2,000 through three gateways with leases', async (t) => {
  await drainHotBucket(t, 2_000, 1);
});

t.test('a hot bucket of 1,500 without refill admits exactly 1,500 at cost 3 through three gateways with leases', async (t) => {
  await drainHotBucket(t, 1_500, 3);
});
