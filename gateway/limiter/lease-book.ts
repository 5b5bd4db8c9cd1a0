// Token leases: this gateway's share of a hot key's buckets, held locally so
// that key's requests are admitted without a Redis call (after the idea of
// quota leasing in Google's Doorman and Envoy's token-bucket "batches", made
// exact here by deducting every leased token in Redis when it is leased).
//
// Per plan (a key on a route) the book keeps:
// - the demand seen on this gateway: the cost of its requests during the
//   last whole lease lifetime. A plan is hot when that is at least twice the
//   request's cost (about two requests per lifetime); a cold plan never asks
//   for a lease, so it is decided per request as without leases, and so is
//   a burst shorter than one lifetime (it has no whole lifetime behind it:
//   a lease is asked for only by a key seen hot for a while);
// - the lease: tokens leased by Redis (take-script.ts decides how many: at
//   most the demand, at most a fraction of what every check has left, none
//   near a limit) and not spent yet, usable until `lifetimeMs` after the call
//   that leased them was sent. Every check of the plan was charged the same
//   tokens, so the lease pays any of the plan's requests whole;
// - the mirror: each check as this gateway last knew it, Redis' level with
//   the lease still counted in, refilled by our clock and charged with each
//   request paid from the lease. It gives a leased request its headers (so
//   X-RateLimit-Remaining is Redis' count at the lease minus local use, and
//   lags other gateways' use by up to their leases) and the open-mode
//   fallback its start.
// Contract:
// - `spend` pays a request from the lease (a decision answered as 'redis'),
//   or says that Redis decides, because the lease cannot (none, expired, or
//   less than the cost left): 'give-back' when it holds tokens the request
//   gives back (see `ask`), else 'ask'. When the lease runs below half the demand
//   or past half its lifetime, it calls `renew` (one ask in flight per plan)
//   for what tops it up to one lifetime's demand (at least MIN_LEASE, so a
//   grant always renews the lifetime): a steadily hot key asks Redis about
//   twice per lifetime, holds about one lifetime's demand, and never waits.
// - `ask` says what a request that goes to Redis asks for: a lease when the
//   plan is hot, none is being asked for and the last ask was not refused
//   within a lifetime (near a limit, where Redis grants none), and the unspent tokens of a
//   lease that could not pay it (expired, or short of the cost) given back
//   (capped by Redis at each bucket's capacity; a quota's only within the
//   period they were leased in). A request spend() answered 'give-back' must
//   reach Redis, whatever the over-limit cache says: Redis has to see them.
// - `settle` records Redis' answer (a grant merges into the lease and renews
//   its lifetime) and returns the levels this gateway knows, lease included,
//   and the request's decision: while a lease is held, an admitted request's
//   figures come from the mirror too, so Remaining never drops by the lease
//   for the requests Redis answers;
//   `failed` forgets an ask that got no answer (tokens given back in it lapse).
// - `surrender` hands the mirror's levels to the fallback and ends the lease.
// Tokens of a lease that lapses (a gateway that dies, an entry evicted, a key
// whose limits change) are lost to admission until refilled: leases can only
// under-admit. Bounded like every bucket store.
import type { Clock } from '../../core/clock.js';
import { quotaPeriod } from '../../core/quota-period.js';
import { createBucketStore } from './bucket-store.js';
import { combineChecks, takePlan, usedIn, type CheckState, type QuotaState } from './plan-take.js';
import { NO_LEASE, type BucketAnswer, type LeaseRequest } from './redis-limiter.js';
import { MIN_LEASE } from './take-script.js';
import { takeTokens, tokensAt, type BucketState } from './token-bucket.js';
import type { LimitCheck, LimitDecision, LimitPlan } from './types.js';

export interface LeaseBookOptions {
  clock: Clock;
  /** How long leased tokens may be spent, from when the take that leased them was asked for. */
  lifetimeMs: number;
  /** Called when a lease runs low: send `request` (with cost 0) to Redis and `settle` or `fail` it. */
  renew(plan: LimitPlan, request: LeaseRequest): void;
  maxEntries?: number;
}

/** Why a lease did not pay: Redis decides, and with 'give-back' the request returns leased tokens. */
export type Unpaid = 'ask' | 'give-back';

export interface LeaseBook {
  spend(plan: LimitPlan, cost: number): LimitDecision | Unpaid;
  ask(plan: LimitPlan, cost: number): LeaseRequest;
  settle(plan: LimitPlan, request: LeaseRequest, answer: BucketAnswer): SettledAnswer;
  failed(plan: LimitPlan, request: LeaseRequest): void;
  surrender(plan: LimitPlan): readonly number[] | undefined;
  readonly size: number;
}

/** Redis' answer as this gateway reports and remembers it. */
export interface SettledAnswer {
  readonly decision: LimitDecision;
  /** Each check's level, this gateway's lease counted in (the fallback's start). */
  readonly levels: readonly number[];
}

/** A plan's entry outlives its last Redis answer this long: unspent tokens seen again within it are given back. */
export const LEASE_ENTRY_RETENTION_MS = 60_000;

interface Entry {
  readonly plan: LimitPlan;
  intervalStartMs: number;
  /** Cost seen in the current lifetime-long interval, and in the one before it. */
  demand: number;
  previousDemand: number;
  /** Leased tokens not spent yet, usable until `expiresAtMs`. */
  left: number;
  expiresAtMs: number;
  /** Redis' clock at the latest grant. */
  grantedAtMs: number;
  /** Each check with the lease counted in; undefined while no usable lease is held. */
  mirror: CheckState[] | undefined;
  /** A lease request is in flight, asked at `askedAtMs` (a grant's lifetime starts there). */
  asking: boolean;
  askedAtMs: number;
  /** Redis granted nothing to the last ask (a bucket near its limit): no ask before this. */
  quietUntilMs: number;
}

export function createLeaseBook(options: LeaseBookOptions): LeaseBook {
  const { clock, lifetimeMs, renew } = options;
  if (!Number.isFinite(lifetimeMs) || lifetimeMs <= 0)
    throw new RangeError(`lease lifetime must be a positive number of ms, got ${lifetimeMs}`);
  const store = createBucketStore<Entry>({ clock, maxEntries: options.maxEntries });

  function entryOf(plan: LimitPlan, now: number): Entry {
    const found = store.get(plan.id, now);
    // A plan rebuilt (the key's limits or the policy changed) starts afresh: the old lease lapses.
    if (found !== undefined && found.plan === plan) return found;
    const created: Entry = {
      plan,
      intervalStartMs: now,
      demand: 0,
      previousDemand: 0,
      left: 0,
      expiresAtMs: 0,
      grantedAtMs: 0,
      mirror: undefined,
      asking: false,
      askedAtMs: 0,
      quietUntilMs: 0,
    };
    store.set(plan.id, created, now + LEASE_ENTRY_RETENTION_MS, now);
    return created;
  }

  /** Count `cost` towards the plan's demand; returns the demand of the last whole lifetime. */
  function observe(entry: Entry, now: number, cost: number): number {
    const elapsed = now - entry.intervalStartMs;
    if (elapsed >= lifetimeMs) {
      entry.previousDemand = elapsed < 2 * lifetimeMs ? entry.demand : 0;
      entry.demand = 0;
      entry.intervalStartMs = now;
    }
    entry.demand += cost;
    return entry.previousDemand;
  }

  /** Tokens to ask for: the last lifetime's demand, when the plan is hot. */
  const wanted = (demand: number, cost: number): number => (demand > 0 && demand >= 2 * cost ? demand : 0);

  function payFromMirror(entry: Entry, mirror: CheckState[], now: number, cost: number): LimitDecision | undefined {
    const { plan } = entry;
    const only = plan.checks.length === 1 ? (plan.checks[0] as LimitCheck) : undefined;
    if (only !== undefined && only.kind === 'window') {
      const result = takeTokens(mirror[0] as BucketState, now, cost, only.spec, 'redis');
      if (!result.decision.allowed) return undefined;
      mirror[0] = result.state;
      return combineChecks([result.decision], true, plan, 'redis');
    }
    const result = takePlan(plan, mirror, now, cost, 'redis');
    if (!result.decision.allowed) return undefined;
    entry.mirror = result.states as CheckState[];
    return result.decision;
  }

  /** Each check's level with `held` leased tokens counted back in (windows capped at capacity). */
  function mirrorOf(plan: LimitPlan, levels: readonly number[], held: number, now: number): CheckState[] {
    const mirror = new Array<CheckState>(plan.checks.length);
    for (let i = 0; i < plan.checks.length; i++) {
      const check = plan.checks[i] as LimitCheck;
      const level = levels[i] as number;
      mirror[i] =
        check.kind === 'window'
          ? { tokens: Math.min(check.spec.requests, level + held), updatedAtMs: now }
          : { periodId: quotaPeriod(now, check.quota.period).id, used: Math.max(0, level - held) };
    }
    return mirror;
  }

  function levelsOf(plan: LimitPlan, mirror: readonly CheckState[], now: number): number[] {
    return plan.checks.map((check, i) =>
      check.kind === 'window'
        ? tokensAt(mirror[i] as BucketState, now, check.spec)
        : usedIn(mirror[i] as QuotaState, quotaPeriod(now, check.quota.period)),
    );
  }

  return {
    spend(plan, cost) {
      const now = clock.now();
      const entry = entryOf(plan, now);
      const demand = observe(entry, now, cost);
      const { mirror } = entry;
      const unpaid: Unpaid = entry.left > 0 ? 'give-back' : 'ask';
      if (mirror === undefined || entry.left < cost || now >= entry.expiresAtMs) return unpaid;
      const decision = payFromMirror(entry, mirror, now, cost);
      if (decision === undefined) return unpaid;
      entry.left -= cost;
      const target = wanted(demand, cost);
      if (
        !entry.asking &&
        target > 0 &&
        now >= entry.quietUntilMs &&
        (entry.left < target / 2 || now >= entry.expiresAtMs - lifetimeMs / 2)
      ) {
        entry.asking = true;
        entry.askedAtMs = now;
        const want = Math.max(target - entry.left, MIN_LEASE * cost);
        renew(plan, { want, giveBack: 0, grantedAtMs: entry.grantedAtMs });
      }
      return decision;
    },

    ask(plan, cost) {
      const now = clock.now();
      const entry = entryOf(plan, now);
      let giveBack = 0;
      // A lease that cannot pay this request (expired, or less than its cost left) goes back with it,
      // so Redis can count those tokens towards it. The mirror stays until Redis answers: should it
      // not, the fallback starts from it.
      if (entry.left > 0 && (now >= entry.expiresAtMs || entry.left < cost)) {
        giveBack = entry.left;
        entry.left = 0;
      }
      const want = entry.asking || now < entry.quietUntilMs ? 0 : wanted(entry.previousDemand, cost);
      if (want > 0) {
        entry.asking = true;
        entry.askedAtMs = now;
      }
      return want === 0 && giveBack === 0 ? NO_LEASE : { want, giveBack, grantedAtMs: entry.grantedAtMs };
    },

    settle(plan, request, answer) {
      const now = clock.now();
      const entry = store.get(plan.id, now);
      if (entry === undefined || entry.plan !== plan) return answer;
      // The usual take of a key without a lease: nothing to record.
      if (request === NO_LEASE && entry.left === 0 && entry.mirror === undefined) return answer;
      if (request.want > 0) {
        entry.asking = false;
        // Near a limit a lease is refused take after take: asking once per lifetime keeps those takes
        // as small as without leases (and a lease running dry from renewing on every request).
        if (answer.granted === 0) entry.quietUntilMs = now + lifetimeMs;
      }
      const held = entry.left;
      if (answer.granted > 0) {
        entry.left += answer.granted;
        entry.expiresAtMs = entry.askedAtMs + lifetimeMs;
        entry.grantedAtMs = answer.redisNowMs;
      }
      store.set(plan.id, entry, now + LEASE_ENTRY_RETENTION_MS, now);
      if (entry.left === 0 || now >= entry.expiresAtMs) {
        entry.mirror = undefined;
        return answer;
      }
      const mirror = mirrorOf(plan, answer.levels, held, now);
      entry.mirror = mirror;
      // Cost 0: the mirror already holds this request's charge; only its figures are read.
      const decision = answer.decision.allowed ? takePlan(plan, mirror, now, 0, 'redis').decision : answer.decision;
      return { decision, levels: levelsOf(plan, mirror, now) };
    },

    failed(plan, request) {
      const entry = store.get(plan.id);
      if (entry !== undefined && entry.plan === plan && request.want > 0) entry.asking = false;
    },

    surrender(plan) {
      const entry = store.get(plan.id);
      if (entry === undefined || entry.plan !== plan || entry.mirror === undefined) return undefined;
      const levels = levelsOf(plan, entry.mirror, clock.now());
      entry.mirror = undefined;
      entry.left = 0;
      return levels;
    },

    get size() {
      return store.size;
    },
  };
}
