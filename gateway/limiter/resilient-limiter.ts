// The Redis limiter with a defined behaviour when Redis fails or is slow.
// Order per take:
// 0. with leases on, a hot key's request is paid from this gateway's lease
//    (lease-book.ts): no Redis call, and the decision itself, not a promise;
//    a lease running low is renewed in the background by a take of cost 0;
// 1. the over-limit cache may refuse locally (no Redis call);
// 2. unless the circuit breaker is open, Redis answers within the command
//    timeout (the breaker stops requests paying that timeout while Redis is
//    down, and lets one probe through per cooldown, or at once when the
//    client reconnects);
// 3. otherwise the failure mode decides: `open` answers from an in-memory
//    bucket per instance with the same spec (the limit then holds per
//    instance, not across them); `closed` refuses with 503 and Retry-After.
// Every step decides the whole plan: all its windows and its quota.
// Each Redis answer also sets the key's fallback buckets (every window and
// the quota of the plan) to the levels Redis reported, this gateway's lease
// counted in, and the fallback's first take of a leased key starts from the
// lease's mirror, so an outage continues from the key's usage on this gateway
// instead of handing it a fresh quota (a key never seen starts full).
// It never throws anything but that 503 (and RangeError for invalid
// arguments, a programming error), logs once per breaker state change, and holds
// nothing unbounded: the memory fallback and the over-limit cache are bounded
// stores, and nothing is queued while Redis is away.
import type { FailureMode } from '../../config/settings-sections.js';
import type { Clock } from '../../core/clock.js';
import { ApiError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { createCircuitBreaker, type BreakerTicket, type BreakerTransition } from './circuit-breaker.js';
import { createLeaseBook, type LeaseBook } from './lease-book.js';
import { createMemoryLimiter, type MemoryLimiter } from './memory-limiter.js';
import { createOverLimitCache } from './over-limit-cache.js';
import { describeRedisError } from './redis-cause.js';
import { whenReady } from './redis-client.js';
import type { BucketAnswer, LeaseRequest, RedisLimiter } from './redis-limiter.js';
import { assertValid } from './token-bucket.js';
import type { LimitDecision, LimiterCounters, LimitPlan, ManagedLimiter } from './types.js';

export interface ResilientLimiterOptions {
  redis: Pick<RedisLimiter, 'takeWithState' | 'close' | 'client'>;
  /** Where Redis is, for log lines (redisAddress in redis-url.ts: never the credentials). */
  redisAddress: string;
  onRedisFailure: FailureMode;
  breakerCooldownMs: number;
  /** Consecutive Redis failures that open the breaker (default in circuit-breaker.ts). */
  breakerFailureThreshold?: number;
  clock: Clock;
  logger: Logger;
  /** The `open`-mode fallback; created on the same clock when omitted. */
  memory?: MemoryLimiter;
  overLimitCacheSize?: number;
  /** Token leases' lifetime in ms (rateLimit.leaseLifetime); absent or 0: every take goes to Redis. */
  leaseLifetimeMs?: number;
}

/** A request paid from a lease is answered with the decision itself; every other answer is a promise. */
export interface ResilientLimiter extends ManagedLimiter {
  take(plan: LimitPlan, cost: number): LimitDecision | Promise<LimitDecision>;
}

export function createResilientLimiter(options: ResilientLimiterOptions): ResilientLimiter {
  const { redis, clock, logger, onRedisFailure: mode, redisAddress: address } = options;
  const memory = options.memory ?? createMemoryLimiter({ clock });
  const overLimit = createOverLimitCache({ clock, maxEntries: options.overLimitCacheSize });
  const breaker = createCircuitBreaker({ clock, cooldownMs: options.breakerCooldownMs, failureThreshold: options.breakerFailureThreshold });
  const counters: LimiterCounters = {
    fallbacks: 0,
    redisErrors: 0,
    localRefusals: 0,
    leaseAdmissions: 0,
    leasedTokens: 0,
    breakerOpen: false,
  };
  let lastAnswer: 'redis' | 'fallback' = 'redis';
  const degraded = mode === 'open' ? 'answering from per-instance memory buckets' : 'refusing requests with 503';

  // The logged state is the breaker's (the client logs its connection's):
  // isolated failures are counted and logged at debug; an outage is one warn
  // line, its end one info line. `cause` is in plain words (redis-cause.ts).
  function changed(transition: BreakerTransition, err?: unknown): void {
    counters.breakerOpen = breaker.isOpen;
    if (transition === 'opened') {
      logger.warn(
        { redis: address, cause: describeRedisError(err), mode, cooldownMs: options.breakerCooldownMs },
        `rate limiter: Redis unavailable, ${degraded}; probing every ${options.breakerCooldownMs} ms`,
      );
    } else if (transition === 'closed') {
      logger.info({ redis: address }, 'rate limiter: Redis answering again; limits are shared across instances');
    }
  }

  function fallback(plan: LimitPlan, cost: number): LimitDecision {
    counters.fallbacks++;
    lastAnswer = 'fallback';
    if (mode === 'closed') {
      throw new ApiError('rate_limiter_unavailable', 'Rate limiting is temporarily unavailable; retry shortly.', {
        headers: { 'retry-after': '1' },
      });
    }
    const lastKnown = leases?.surrender(plan);
    if (lastKnown !== undefined) memory.seed(plan, lastKnown);
    return memory.takeAs(plan, cost, 'fallback');
  }

  /** Record a Redis answer (the breaker, the over-limit cache, the lease, the fallback's levels); returns the request's decision. */
  function answered(
    plan: LimitPlan,
    ticket: Exclude<BreakerTicket, undefined>,
    answer: BucketAnswer,
    lease: LeaseRequest | undefined,
  ): LimitDecision {
    lastAnswer = 'redis';
    changed(breaker.success(ticket));
    overLimit.remember(plan, answer.decision, answer.levels);
    counters.leasedTokens += answer.granted;
    const known = leases && lease ? leases.settle(plan, lease, answer) : answer;
    if (mode === 'open') memory.seed(plan, known.levels);
    return known.decision;
  }

  function failed(ticket: Exclude<BreakerTicket, undefined>, err: unknown): void {
    counters.redisErrors++;
    if (logger.isLevelEnabled('debug')) logger.debug({ redis: address, cause: describeRedisError(err) }, 'rate limiter: Redis call failed');
    changed(breaker.failure(ticket), err);
  }

  /** A lease running low: ask for more with a take of cost 0, answering no request. */
  function renew(plan: LimitPlan, lease: LeaseRequest): void {
    const ticket = breaker.allow();
    if (!ticket) {
      leases?.failed(plan, lease);
      return;
    }
    redis.takeWithState(plan, 0, lease).then(
      (answer) => answered(plan, ticket, answer, lease),
      (err: unknown) => {
        leases?.failed(plan, lease);
        failed(ticket, err);
      },
    );
  }

  const leases: LeaseBook | undefined = options.leaseLifetimeMs
    ? createLeaseBook({ clock, lifetimeMs: options.leaseLifetimeMs, renew })
    : undefined;

  const onReconnect = () => breaker.expediteProbe();
  redis.client.on('ready', onReconnect);

  return {
    counters,
    // A plain function, not an async one: one promise per take (the Redis answer's `then`), not three.
    take(plan, cost) {
      try {
        for (const check of plan.checks) if (check.kind === 'window') assertValid(cost, check.spec);
        const paid = leases?.spend(plan, cost);
        if (typeof paid === 'object') {
          counters.leaseAdmissions++;
          return paid;
        }
        // Leased tokens to give back: Redis must see them, whatever it last said.
        const local = paid === 'give-back' ? undefined : overLimit.check(plan, cost);
        if (local) {
          counters.localRefusals++;
          return Promise.resolve(local);
        }
        const ticket = breaker.allow();
        if (!ticket) return Promise.resolve(fallback(plan, cost));
        const lease = leases?.ask(plan, cost);
        return redis.takeWithState(plan, cost, lease).then(
          (answer) => answered(plan, ticket, answer, lease),
          (err: unknown) => {
            if (lease) leases?.failed(plan, lease);
            failed(ticket, err);
            return fallback(plan, cost);
          },
        );
      } catch (err) {
        return Promise.reject(err);
      }
    },
    backend: () => lastAnswer,
    ready: (timeoutMs = 5_000) => whenReady(redis.client, timeoutMs),
    async close() {
      redis.client.off('ready', onReconnect);
      await redis.close();
      await memory.close();
    },
  };
}
