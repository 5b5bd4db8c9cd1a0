// The memory limiter's one-window fast path decides exactly as the general
// path (takePlan over stored states) does, over seeded random sequences of
// takes on an injected clock: every decision field, for both backends it
// answers as. And a refused take of a plan of several windows (and a quota)
// charges nothing: its states are the cost-0 take's, and the limiter's
// buckets read the same after it as before. No sleeps.
import { isDeepStrictEqual } from 'node:util';
import t from 'tap';
import { createManualClock } from '../../../core/clock.js';
import type { QuotaSpec } from '../../../core/rate-limits.js';
import { buildPlan, singleWindowPlan } from '../../../gateway/limiter/limit-plan.js';
import { createMemoryLimiter, type MemoryBackend } from '../../../gateway/limiter/memory-limiter.js';
import { takePlan, type CheckState } from '../../../gateway/limiter/plan-take.js';
import type { LimitDecision, LimitPlan, RateLimitSpec } from '../../../gateway/limiter/types.js';

const T0 = Date.UTC(2026, 0, 1, 12);
const DAILY: QuotaSpec = { limit: 30, period: 'day' };

/** mulberry32: a small seeded generator, so a failing sequence replays. Floats in [0, 1). */
function randomFrom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const pick = <T>(random: () => number, items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;

/** The general path over a map of states, forgetting each as the memory limiter's bucket store does. */
function generalPath(now: () => number) {
  const stored = new Map<string, { state: CheckState; forgetAtMs: number }>();
  const get = (id: string): CheckState | undefined => {
    const entry = stored.get(id);
    if (entry === undefined || entry.forgetAtMs > now()) return entry?.state;
    stored.delete(id);
    return undefined;
  };
  return (plan: LimitPlan, cost: number, backend: MemoryBackend) => {
    const result = takePlan(
      plan,
      plan.checks.map((check) => get(check.id)),
      now(),
      cost,
      backend,
    );
    if (result.decision.allowed) {
      plan.checks.forEach((check, i) =>
        stored.set(check.id, { state: result.states[i] as CheckState, forgetAtMs: result.forgetAtMs[i] as number }),
      );
    }
    return result.decision;
  };
}

t.test('one window: the fast path gives the general path decision over random takes', async (t) => {
  const specs: [label: string, spec: RateLimitSpec][] = [
    ['5 per 10 s', { requests: 5, perMs: 10_000 }],
    ['3 per second', { requests: 3, perMs: 1_000 }],
    ['7 per 3.333 s (a fractional rate)', { requests: 7, perMs: 3_333 }],
    ['1 per minute', { requests: 1, perMs: 60_000 }],
  ];
  for (const [index, [label, spec]] of specs.entries()) {
    const random = randomFrom(0xb011 + index);
    const clock = createManualClock(T0);
    const limiter = createMemoryLimiter({ clock });
    const general = generalPath(clock.now);
    const plans = [singleWindowPlan('addr_1', spec), buildPlan({ keyId: 'key_1', keyWindows: null, policyWindows: [spec], quota: null })];
    const costs = [0, 0.5, 1, 1, 1, 2, spec.requests, spec.requests + 1];
    let admitted = 0;
    let refused = 0;
    const mismatches: unknown[] = [];
    for (let step = 0; step < 2_000; step++) {
      const roll = random();
      // Mostly small steps forward, sometimes a long one (the bucket full again), rarely one back.
      if (roll < 0.05) clock.advance(-Math.floor(random() * 500));
      else if (roll < 0.1) clock.advance(spec.perMs * 2);
      else clock.advance(Math.floor(random() * (spec.perMs / spec.requests)));
      const plan = pick(random, plans);
      const cost = pick(random, costs);
      const backend = pick(random, ['memory', 'fallback'] as const);
      const fast = limiter.takeAs(plan, cost, backend);
      const expected = general(plan, cost, backend);
      if (fast.allowed) admitted++;
      else refused++;
      if (!isDeepStrictEqual(fast, expected)) mismatches.push({ step, cost, fast, expected });
    }
    t.strictSame(mismatches.slice(0, 3), [], `${label}: every one of 2000 decisions equal`);
    t.ok(admitted > 100 && refused > 100, `${label}: the sequence both admits (${admitted}) and refuses (${refused})`);
  }
});

t.test('a refused multi-window take charges nothing', async (t) => {
  const clock = createManualClock(T0);
  const limiter = createMemoryLimiter({ clock });
  const plan = buildPlan({
    keyId: 'key_1',
    keyWindows: null,
    policyWindows: [
      { requests: 4, perMs: 10_000 },
      { requests: 10, perMs: 3_600_000 },
    ],
    quota: DAILY,
  });
  for (let i = 0; i < 4; i++) t.equal(limiter.take(plan, 1).allowed, true, `take ${i + 1} of the short window's 4`);
  const before = limiter.take(plan, 0);
  const refused = limiter.take(plan, 1);
  t.same([refused.allowed, refused.refusedBy, refused.headerCheck], [false, 'rate', 0], 'the short window refuses');
  t.same(
    refused.checks.map((check) => [check.allowed, check.remaining]),
    [
      [false, 0],
      [true, 6],
      [true, 26],
    ],
    'the others hold, and report what they hold now, uncharged',
  );
  t.strictSame(limiter.take(plan, 0), before, 'after the refusal every check reads as before it');
  clock.advance(2_500); // the short window refills one token; the long one a hundredth
  t.same(
    limiter.take(plan, 1).checks.map((check) => check.remaining),
    [0, 5, 25],
    'the next admitted take is charged from the levels before the refusal',
  );

  const random = randomFrom(0x5eed);
  let checked = 0;
  const charged: unknown[] = [];
  for (let step = 0; step < 1_000; step++) {
    const states: (CheckState | undefined)[] = [
      random() < 0.2 ? undefined : { tokens: random() * 4, updatedAtMs: T0 - Math.floor(random() * 5_000) },
      random() < 0.2 ? undefined : { tokens: random() * 10, updatedAtMs: T0 - Math.floor(random() * 60_000) },
      random() < 0.2 ? undefined : { periodId: Math.floor(T0 / 86_400_000) - (random() < 0.1 ? 1 : 0), used: Math.floor(random() * 31) },
    ];
    const cost = pick(random, [1, 2, 3, 5]);
    const result = takePlan(plan, states, T0, cost, 'memory');
    if (result.decision.allowed) continue;
    checked++;
    const report = takePlan(plan, states, T0, 0, 'memory');
    const remaining = (decision: LimitDecision) => decision.checks.map((check) => check.remaining);
    const got = [result.states, result.forgetAtMs, remaining(result.decision)];
    const want = [report.states, report.forgetAtMs, remaining(report.decision)];
    if (!isDeepStrictEqual(got, want)) charged.push({ step, states, cost, got, want });
  }
  t.strictSame(charged.slice(0, 3), [], "random refusals: each leaves the cost-0 take's states, forget times and levels");
  t.ok(checked > 100, `${checked} random refusals checked`);
});
