// The lease book on a manual clock, fed Redis answers as the script shapes
// them (levels after the cost with the grant still counted in, the grant,
// Redis' time): who asks for a lease and when, what a lease pays, the
// headers it gives, renewal, expiry and give-back, and what the fallback
// inherits. The script's side is in lease-script.test.ts, both together over
// real Redis in leases-resilient.test.ts and leases-property.test.ts.
import t from 'tap';
import { createManualClock } from '../../../core/clock.js';
import { createLeaseBook, type LeaseBook } from '../../../gateway/limiter/lease-book.js';
import { buildPlan, singleWindowPlan } from '../../../gateway/limiter/limit-plan.js';
import { combineChecks } from '../../../gateway/limiter/plan-take.js';
import type { BucketAnswer, LeaseRequest } from '../../../gateway/limiter/redis-limiter.js';
import { decide } from '../../../gateway/limiter/token-bucket.js';
import type { LimitDecision, LimitPlan } from '../../../gateway/limiter/types.js';

const LIFETIME_MS = 200;
const DAY_MS = 86_400_000;
const SPEC = { requests: 10_000, perMs: DAY_MS }; // refill too slow to move a whole token in these tests

function setup() {
  const clock = createManualClock();
  const renewals: { plan: LimitPlan; request: LeaseRequest }[] = [];
  const book = createLeaseBook({ clock, lifetimeMs: LIFETIME_MS, renew: (plan, request) => renewals.push({ plan, request }) });
  return { clock, book, renewals };
}

/** A one-window answer as the script gives it: `level` after the cost, the grant counted in. */
function answer(plan: LimitPlan, level: number, granted: number, nowMs: number, cost = 1): BucketAnswer {
  const check = plan.checks[0]!;
  if (check.kind !== 'window') throw new Error('one-window plans only');
  const decision = combineChecks([decide(true, level, nowMs, cost, check.spec, 'redis')], true, plan, 'redis');
  return { decision, levels: [level], granted, redisNowMs: nowMs };
}

/** spend(): the lease's decision, or undefined when Redis decides. */
function pay(book: LeaseBook, plan: LimitPlan, cost: number): LimitDecision | undefined {
  const paid = book.spend(plan, cost);
  return typeof paid === 'object' ? paid : undefined;
}

/** `n` requests of `cost`, each asked of Redis when the lease cannot pay it; returns what each asked. */
function requests(book: LeaseBook, plan: LimitPlan, n: number, cost = 1): LeaseRequest[] {
  const asked: LeaseRequest[] = [];
  for (let i = 0; i < n; i++) if (pay(book, plan, cost) === undefined) asked.push(book.ask(plan, cost));
  return asked;
}

t.test('a cold key and a first burst never ask for a lease', async (t) => {
  const { clock, book } = setup();
  const plan = singleWindowPlan('key_cold', SPEC);
  for (let i = 0; i < 5; i++) {
    t.same(requests(book, plan, 1), [{ want: 0, giveBack: 0, grantedAtMs: 0 }], 'one request per lifetime: cold');
    clock.advance(LIFETIME_MS);
  }
  const burst = singleWindowPlan('key_burst', SPEC);
  t.ok(
    requests(book, burst, 50).every((asked) => asked.want === 0),
    'a burst inside its first lifetime has no whole lifetime of demand behind it',
  );
});

t.test('a key hot for a whole lifetime asks for what it used in it, one ask at a time', async (t) => {
  const { clock, book } = setup();
  const plan = singleWindowPlan('key_hot', SPEC);
  requests(book, plan, 30);
  clock.advance(LIFETIME_MS);
  const asked = requests(book, plan, 3);
  t.same(asked[0], { want: 30, giveBack: 0, grantedAtMs: 0 }, 'the last lifetime saw 30 requests');
  t.same(
    asked.slice(1),
    [
      { want: 0, giveBack: 0, grantedAtMs: 0 },
      { want: 0, giveBack: 0, grantedAtMs: 0 },
    ],
    'one lease ask in flight',
  );
  const cost5 = singleWindowPlan('key_costly', SPEC);
  requests(book, cost5, 1, 5);
  clock.advance(LIFETIME_MS);
  t.equal(requests(book, cost5, 1, 5)[0]!.want, 0, 'one request of cost 5 per lifetime is not hot');
});

t.test('a lease pays requests without Redis, with Remaining counted down from Redis', async (t) => {
  const { clock, book, renewals } = setup();
  const plan = singleWindowPlan('key_paid', SPEC);
  requests(book, plan, 40);
  clock.advance(LIFETIME_MS);
  const [asked] = requests(book, plan, 1);
  t.equal(asked!.want, 40);
  const settled = book.settle(plan, asked!, answer(plan, 9_000, 40, clock.now()));
  t.equal(settled.decision.remaining, 9_000, 'the asking request reports the bucket with its lease in it');
  const paid = Array.from({ length: 19 }, () => pay(book, plan, 1));
  t.ok(
    paid.every((d) => d !== undefined && d.allowed && d.backend === 'redis'),
    '19 requests paid from the lease',
  );
  t.same(
    paid.map((d) => d!.remaining),
    Array.from({ length: 19 }, (_, i) => 8_999 - i),
    'Remaining is Redis at the lease minus local use',
  );
  t.equal(renewals.length, 0, 'no renewal while half the demand is left');
  t.ok(pay(book, plan, 1), 'the 20th is paid too');
  t.equal(pay(book, plan, 1) !== undefined, true);
  t.equal(renewals.length, 1, 'below half the demand: renewed in the background');
  t.same(renewals[0]!.request, { want: 40 - 19, giveBack: 0, grantedAtMs: clock.now() }, "topping up to the last lifetime's demand");
  requests(book, plan, 30);
  t.equal(renewals.length, 1, 'one renewal in flight');
});

t.test('a renewal merges into the lease; a request Redis answers meanwhile reports the lease counted in', async (t) => {
  const { clock, book, renewals } = setup();
  const plan = singleWindowPlan('key_renewed', SPEC);
  requests(book, plan, 20);
  clock.advance(LIFETIME_MS);
  const [asked] = requests(book, plan, 1);
  book.settle(plan, asked!, answer(plan, 5_000, 20, clock.now()));
  for (let i = 0; i < 11; i++) pay(book, plan, 1); // 9 left, below half of 20: renewing
  const renewal = renewals[0]!.request;
  t.equal(renewal.want, 11, 'up to the demand of 20');
  // Redis now holds 5,000 - 20 - 3 (other gateways took 3); the renewal, of cost 0, is granted 11.
  const renewed = book.settle(plan, renewal, answer(plan, 4_977, 11, clock.now(), 0));
  t.equal(renewed.decision.remaining, 4_977 + 9, "Redis' level with all of this gateway's lease (9 + 11) counted in");
  t.equal(pay(book, plan, 1)!.remaining, 4_985, 'paid from the merged lease, counting on');
  t.equal(requests(book, plan, 19).length, 0, '19 tokens left: 19 more paid without Redis');
  t.equal(pay(book, plan, 1), undefined, 'spent: Redis decides');
});

t.test('a lease past half its lifetime is renewed, however much is left', async (t) => {
  const { clock, book, renewals } = setup();
  const plan = singleWindowPlan('key_half', SPEC);
  requests(book, plan, 20);
  clock.advance(LIFETIME_MS);
  const [asked] = requests(book, plan, 1);
  book.settle(plan, asked!, answer(plan, 5_000, 20, clock.now()));
  pay(book, plan, 1);
  clock.advance(LIFETIME_MS / 2 - 1);
  pay(book, plan, 1);
  t.equal(renewals.length, 0, '18 of 20 left, before half its lifetime');
  clock.advance(1);
  t.ok(pay(book, plan, 1));
  t.same(renewals[0]?.request.want, 3, 'at half its lifetime: topped up to the demand of 20');
  book.settle(plan, renewals[0]!.request, answer(plan, 4_997, 3, clock.now(), 0));
  clock.advance(LIFETIME_MS - 1);
  t.ok(pay(book, plan, 1), 'the grant renewed the lifetime from the renewal');
});

t.test('an expired lease pays nothing and its unspent tokens are given back with the next ask', async (t) => {
  const { clock, book } = setup();
  const plan = singleWindowPlan('key_expired', SPEC);
  requests(book, plan, 20);
  clock.advance(LIFETIME_MS);
  const [asked] = requests(book, plan, 1);
  book.settle(plan, asked!, answer(plan, 5_000, 20, 1_234));
  for (let i = 0; i < 5; i++) pay(book, plan, 1);
  clock.advance(LIFETIME_MS);
  t.equal(pay(book, plan, 1), undefined, 'a lifetime after the send: expired');
  t.same(book.ask(plan, 1), { want: 6, giveBack: 15, grantedAtMs: 1_234 }, "15 unspent, from the grant at Redis' 1,234 ms");
  t.same(book.ask(plan, 1).giveBack, 0, 'given back once');
});

t.test("a lease short of a request's cost goes back with that request", async (t) => {
  const { clock, book } = setup();
  const plan = singleWindowPlan('key_short', SPEC);
  requests(book, plan, 20, 3);
  clock.advance(LIFETIME_MS);
  const [asked] = requests(book, plan, 1, 3);
  t.equal(asked!.want, 60);
  book.settle(plan, asked!, answer(plan, 5_000, 7, 99, 3));
  t.ok(pay(book, plan, 3) && pay(book, plan, 3), 'two paid: 1 token left');
  t.equal(book.spend(plan, 3), 'give-back', 'short of the cost, holding a token: Redis decides, and must see it');
  t.same(book.ask(plan, 3), { want: 0, giveBack: 1, grantedAtMs: 99 }, 'the one left goes back with the request (a renewal is in flight)');
  t.equal(book.spend(plan, 3), 'ask', 'nothing left to give back');
});

t.test('an ask Redis grants nothing (a bucket near its limit) is not repeated for a lifetime', async (t) => {
  const { clock, book, renewals } = setup();
  const plan = singleWindowPlan('key_near_limit', SPEC);
  requests(book, plan, 20);
  clock.advance(LIFETIME_MS);
  const [asked] = requests(book, plan, 1);
  t.equal(asked!.want, 20);
  book.settle(plan, asked!, answer(plan, 10, 0, clock.now()));
  t.ok(
    requests(book, plan, 30).every((request) => request.want === 0),
    'the next lifetime asks for none',
  );
  clock.advance(LIFETIME_MS);
  t.equal(requests(book, plan, 1)[0]!.want, 31, 'then asks again');
  // A lease running dry near a limit: one renewal refused, then none for a lifetime.
  const lease = singleWindowPlan('key_dry', SPEC);
  requests(book, lease, 20);
  clock.advance(LIFETIME_MS);
  const [first] = requests(book, lease, 1);
  book.settle(lease, first!, answer(lease, 100, 4, clock.now()));
  pay(book, lease, 1);
  t.equal(renewals.length, 1);
  book.settle(lease, renewals[0]!.request, answer(lease, 90, 0, clock.now(), 0));
  pay(book, lease, 1);
  pay(book, lease, 1);
  t.equal(renewals.length, 1, 'no renewal per request after a refused one');
});

t.test('a plan rebuilt (limits changed) starts afresh: the old lease pays nothing', async (t) => {
  const { clock, book } = setup();
  const plan = singleWindowPlan('key_rebuilt', SPEC);
  requests(book, plan, 20);
  clock.advance(LIFETIME_MS);
  const [asked] = requests(book, plan, 1);
  book.settle(plan, asked!, answer(plan, 5_000, 20, clock.now()));
  t.ok(pay(book, plan, 1));
  const rebuilt = singleWindowPlan('key_rebuilt', { requests: 100, perMs: DAY_MS });
  t.equal(pay(book, rebuilt, 1), undefined, 'a different plan under the same id');
  t.equal(pay(book, plan, 1), undefined, 'and the old plan lost its lease');
});

t.test('surrender hands the fallback the mirror (Redis at the lease, minus local use) and ends the lease', async (t) => {
  const { clock, book } = setup();
  const plan = singleWindowPlan('key_surrendered', SPEC);
  t.equal(book.surrender(plan), undefined, 'nothing known without a lease');
  requests(book, plan, 20);
  clock.advance(LIFETIME_MS);
  const [asked] = requests(book, plan, 1);
  book.settle(plan, asked!, answer(plan, 5_000, 20, clock.now()));
  for (let i = 0; i < 7; i++) pay(book, plan, 1);
  clock.advance(LIFETIME_MS);
  const levels = book.surrender(plan);
  t.equal(levels?.length, 1);
  t.ok(Math.abs(levels![0]! - 4_993) < 0.1, `7 spent locally from 5,000 (got ${levels![0]})`);
  t.equal(book.surrender(plan), undefined, 'once');
  t.equal(book.ask(plan, 1).giveBack, 0, 'surrendered tokens are the fallback’s, never given back');
});

t.test('a plan of two windows and a quota: one lease pays every check, each mirrored', async (t) => {
  const { clock, book } = setup();
  const plan = buildPlan({
    keyId: 'key_multi',
    keyWindows: [
      { requests: 1_000, perMs: DAY_MS },
      { requests: 5_000, perMs: 7 * DAY_MS },
    ],
    policyWindows: [],
    quota: { limit: 100_000, period: 'month' },
  });
  requests(book, plan, 10);
  clock.advance(LIFETIME_MS);
  const [asked] = requests(book, plan, 1);
  const now = clock.now();
  const checks = plan.checks.map((check, i) =>
    check.kind === 'window'
      ? decide(true, [900, 4_000][i]!, now, 1, check.spec, 'redis')
      : { allowed: true, limit: 100_000, remaining: 100_000 - 600, resetAtSec: 0, retryAfterSec: 0, backend: 'redis' as const },
  );
  const decision = combineChecks(checks, true, plan, 'redis');
  book.settle(plan, asked!, { decision, levels: [900, 4_000, 600], granted: 10, redisNowMs: now });
  const first = pay(book, plan, 1)!;
  t.same(
    first.checks.map((c) => c.remaining),
    [899, 3_999, 100_000 - 601],
    'each check counted down by the same request',
  );
  t.equal(first.headerCheck, 0, 'the header check is the emptiest, as without leases');
  for (let i = 0; i < 9; i++) t.ok(pay(book, plan, 1));
  t.equal(pay(book, plan, 1), undefined, '10 leased, 10 paid');
});
