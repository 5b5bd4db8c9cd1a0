// Token buckets and quota counters in Redis, shared by every gateway
// instance: one atomic Lua script per batch of takes (take-script.ts), one
// round trip per take, every check of a take's plan decided together.
// - Takes made in the same event-loop turn go to Redis as one script call
//   (turn-batcher.ts): the script applies them in order, each reading what the
//   previous one wrote, so counts stay exact; N concurrent requests cost one
//   command. Cluster clients send one call per API key and turn (batched per
//   slot: all of a key's buckets share its hash tag's slot, different keys'
//   may live on different masters).
// - Time is Redis' own (TIME, microseconds, read once per call): gateway
//   clocks never matter, the quota's day or month included. Requires Redis >= 5,
//   where scripts replicate their effects, not their source, so a script may
//   read TIME and then write.
// - A take may ask for a token lease and give unspent leased tokens back
//   (LeaseRequest, lease-book.ts); the script decides the grant and charges
//   it to every check (take-script.ts). Leases off: every take asks for none.
// - A check's key is `<prefix>{<key id>}<suffix>` (limit-plan.ts): the hash tag
//   keeps all of one request's keys in one Cluster slot.
// - The script is registered once per client with defineCommand; ioredis
//   sends EVAL on a fresh connection, then EVALSHA, and retries on NOSCRIPT.
// - Every batch settles within `commandTimeoutMs` of being sent (at the end
//   of the loop turn its takes were made in), by a deadline of our own:
//   ioredis' commandTimeout starts only when an auto-pipelined command is
//   written, which can be a round trip later. The deadline fails a batch only
//   after this loop turn's I/O has been read, so a pause of our own process
//   does not fail takes Redis answered in time (see redis-client.ts).
//   Failures reject with an Error (the deadline's is a
//   RedisCommandTimeoutError, described in redis-cause.ts); the resilient
//   limiter decides what they mean.
// The limiter owns its client and closes it.
import { quotaPeriod } from '../../core/quota-period.js';
import { combineChecks, quotaDecision } from './plan-take.js';
import { QUOTA_KIND } from './quota-lua.js';
import { RedisCommandTimeoutError } from './redis-cause.js';
import type { RedisClient } from './redis-client.js';
import { TAKE_SCRIPT } from './take-script.js';
import { assertValid, decide } from './token-bucket.js';
import { createGroupedTurnBatcher, createTurnBatcher } from './turn-batcher.js';
import type { BucketDecision, LimitCheck, LimitDecision, LimitPlan, RateLimiter } from './types.js';

const COMMAND = 'bullseyeRateLimitTake';

/** Takes per script call at most: bounds how long one call holds Redis (a few µs per take). */
const MAX_TAKES_PER_CALL = 64;

type TakeReply = unknown[];
type WithTake = { [COMMAND](numberOfKeys: number, ...keysThenArgs: Array<string | number>): Promise<TakeReply> };

/** A decision together with each check's level (a window's tokens to a thousandth, a quota's count), for the over-limit cache and the fallback. */
export interface BucketAnswer {
  readonly decision: LimitDecision;
  /** After the take's cost, a granted lease counted as still in the bucket (what the decision reports). */
  readonly levels: readonly number[];
  /** Tokens leased to this gateway by this take (take-script.ts decides how many; 0: none). */
  readonly granted: number;
  /** Redis' clock when it answered, in ms: a lease's tokens belong to this instant's quota period. */
  readonly redisNowMs: number;
}

/** What a take asks of leases: tokens wanted on lease, and unspent ones given back (lease-book.ts). */
export interface LeaseRequest {
  readonly want: number;
  readonly giveBack: number;
  /** Redis' clock (ms) at the grant the given-back tokens came from. */
  readonly grantedAtMs: number;
}

/** Asks for no lease and gives nothing back (lease-book.ts answers with this very object). */
export const NO_LEASE: LeaseRequest = Object.freeze({ want: 0, giveBack: 0, grantedAtMs: 0 });

export interface RedisLimiterOptions {
  client: RedisClient;
  commandTimeoutMs: number;
  keyPrefix?: string;
  /** Takes per script call at most (default MAX_TAKES_PER_CALL; on a Cluster client, of one key id). */
  maxTakesPerCall?: number;
  /** A lease's lifetime: no lease is granted on a quota whose period ends sooner (0 when leases are off). */
  leaseLifetimeMs?: number;
}

export interface RedisLimiter extends RateLimiter {
  take(plan: LimitPlan, cost: number): Promise<LimitDecision>;
  /** `take` with each check's level, and a lease when `lease` asks for one. */
  takeWithState(plan: LimitPlan, cost: number, lease?: LeaseRequest): Promise<BucketAnswer>;
  readonly client: RedisClient;
}

interface Take {
  plan: LimitPlan;
  cost: number;
  lease: LeaseRequest;
}

/** A plan's checks as script arguments (count, then kind and two numbers per check), and that list as one string. */
interface PlanArgs {
  readonly args: readonly number[];
  readonly signature: string;
}

function toPlanArgs(plan: LimitPlan): PlanArgs {
  const args: number[] = [plan.checks.length];
  for (const check of plan.checks) {
    if (check.kind === 'window') args.push(0, check.spec.requests, check.spec.perMs);
    else args.push(QUOTA_KIND[check.quota.period], check.quota.limit, 0);
  }
  return { args, signature: args.join(',') };
}

/** The Redis key of a bucket: `<prefix>{<tag>}<suffix>`. */
export const bucketKey = (tag: string, prefix = 'rl:', suffix = ''): string => `${prefix}{${tag}}${suffix}`;

export function createRedisLimiter(options: RedisLimiterOptions): RedisLimiter {
  const { client, commandTimeoutMs } = options;
  const prefix = options.keyPrefix ?? 'rl:';
  const leaseLifetimeMs = options.leaseLifetimeMs ?? 0;
  if (typeof (client as unknown as Partial<WithTake>)[COMMAND] !== 'function') {
    client.defineCommand(COMMAND, { lua: TAKE_SCRIPT });
  }
  const scripted = client as unknown as WithTake;

  // Plans live as long as their key record and route: their arguments are built once.
  const planArgs = new WeakMap<LimitPlan, PlanArgs>();
  const argsOf = (plan: LimitPlan): PlanArgs => {
    let built = planArgs.get(plan);
    if (built === undefined) {
      built = toPlanArgs(plan);
      planArgs.set(plan, built);
    }
    return built;
  };

  async function sendTakes(takes: readonly Take[]): Promise<BucketAnswer[]> {
    const keys: string[] = [];
    for (const { plan } of takes) for (const check of plan.checks) keys.push(bucketKey(plan.tag, prefix, check.suffix));
    const first = takes[0] as Take;
    const firstArgs = argsOf(first.plan);
    let shared = true;
    for (let i = 1; i < takes.length && shared; i++) {
      const take = takes[i] as Take;
      shared = take.cost === first.cost && argsOf(take.plan).signature === firstArgs.signature;
    }
    const args: Array<string | number> = [leaseLifetimeMs, 0];
    let leaseBlocks = 0;
    for (let i = 0; i < takes.length; i++) {
      const { lease } = takes[i] as Take;
      if (lease.want === 0 && lease.giveBack === 0) continue;
      args.push(i + 1, lease.want, lease.giveBack, lease.grantedAtMs);
      leaseBlocks++;
    }
    args[1] = leaseBlocks;
    args.push(shared ? 1 : 0);
    if (shared) args.push(first.cost, ...firstArgs.args);
    else for (const { plan, cost } of takes) args.push(cost, ...argsOf(plan).args);
    const reply = await withDeadline(scripted[COMMAND](keys.length, ...keys, ...args), commandTimeoutMs);
    const replyLength = keys.length + takes.length + 1;
    const nowUs = Array.isArray(reply) && reply.length === replyLength ? reply[replyLength - 1] : undefined;
    if (typeof nowUs !== 'number') throw new Error('rate limiter: unexpected reply from the Redis script');
    const nowMs = nowUs / 1000;
    const answers = new Array<BucketAnswer>(takes.length);
    let at = 0;
    for (let i = 0; i < takes.length; i++) {
      const { plan, cost } = takes[i] as Take;
      const { checks } = plan;
      const granted = reply[at++];
      if (typeof granted !== 'number') throw new Error('rate limiter: unexpected reply from the Redis script');
      const decisions = new Array<BucketDecision>(checks.length);
      const levels = new Array<number>(checks.length);
      let allowed = true;
      for (let c = 0; c < checks.length; c++) {
        const check = checks[c] as LimitCheck;
        const signed = reply[at + c];
        if (typeof signed !== 'number') throw new Error('rate limiter: unexpected reply from the Redis script');
        const holds = signed >= 0;
        if (!holds) allowed = false;
        const encoded = holds ? signed : -1 - signed;
        if (check.kind === 'window') {
          const tokens = encoded / 1000;
          levels[c] = tokens;
          decisions[c] = decide(holds, tokens, nowMs, cost, check.spec, 'redis');
        } else {
          levels[c] = encoded;
          decisions[c] = quotaDecision(holds, encoded, check.quota, quotaPeriod(nowMs, check.quota.period), nowMs, 'redis');
        }
      }
      at += checks.length;
      answers[i] = { decision: combineChecks(decisions, allowed, plan, 'redis'), levels, granted, redisNowMs: nowMs };
    }
    return answers;
  }

  const maxTakesPerCall = options.maxTakesPerCall ?? MAX_TAKES_PER_CALL;
  // On a Cluster, one call per key id and turn: a key's buckets share its hash tag's slot, other keys' may not.
  const batchTake = client.isCluster
    ? createGroupedTurnBatcher(maxTakesPerCall, sendTakes, (take: Take) => take.plan.tag)
    : createTurnBatcher(maxTakesPerCall, sendTakes);

  function takeWithState(plan: LimitPlan, cost: number, lease = NO_LEASE): Promise<BucketAnswer> {
    try {
      for (const check of plan.checks) if (check.kind === 'window') assertValid(cost, check.spec);
    } catch (err) {
      return Promise.reject(err);
    }
    return batchTake({ plan, cost, lease });
  }

  return {
    client,
    takeWithState,
    take: (plan, cost) => takeWithState(plan, cost).then((answer) => answer.decision),
    backend: () => 'redis',
    close: async () => {
      try {
        if (client.status === 'ready') await withDeadline(client.quit(), 1_000);
      } catch {
        // Closing anyway.
      } finally {
        client.disconnect();
      }
    },
  };
}

/**
 * `promise`, or a rejection after `ms`. The rejection waits for the check
 * phase (setImmediate), after the poll phase has read any reply already in
 * the socket. The timer never outlives the settlement.
 */
function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const expire = () => reject(new RedisCommandTimeoutError(ms));
    const timer = setTimeout(() => setImmediate(expire), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}
