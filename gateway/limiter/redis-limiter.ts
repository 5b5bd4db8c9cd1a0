// Token buckets in Redis, shared by every gateway instance: one atomic Lua
// script per batch of takes, one round trip per take.
// - Takes made in the same event-loop turn go to Redis as one script call
//   (turn-batcher.ts): the script applies them in order, each reading what the
//   previous one wrote, so counts stay exact; N concurrent requests cost one
//   command. Cluster clients send one take per call, since the buckets of a
//   batch would live in different slots.
// - Time is Redis' own (TIME, microseconds, read once per call): gateway
//   clocks never matter. Requires Redis >= 5, where scripts replicate their
//   effects, not their source, so a script may read TIME and then write.
// - A bucket is a hash {tokens, ts} at `rl:{<bucketId>}`; the hash tag keeps
//   each bucket in one Cluster slot whatever the id contains.
// - PEXPIRE = time until the bucket is full again: a full bucket and a missing
//   key are the same thing, so idle keys cost Redis nothing.
// - A refused take writes nothing (refill is a function of time).
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
import { RedisCommandTimeoutError } from './redis-cause.js';
import type { RedisClient } from './redis-client.js';
import { assertValid, decide } from './token-bucket.js';
import { createTurnBatcher } from './turn-batcher.js';
import type { LimitDecision, RateLimiter, RateLimitSpec } from './types.js';

/**
 * KEYS: one bucket per take. ARGV: capacity, window ms, cost; once for the
 * whole call when every take shares them (the usual case: one policy, cost 1),
 * else once per take. Returns one integer per take, the tokens left in
 * thousandths (floored), as `-1 - thousandths` when the take was refused;
 * then now (µs). Integers: no number formatting in Lua, no string to parse.
 */
const TAKE_SCRIPT = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
local shared = #ARGV == 3
local answer = {}
for i = 1, #KEYS do
  local key = KEYS[i]
  local at = shared and 0 or 3 * (i - 1)
  local capacity = tonumber(ARGV[at + 1])
  local window_us = tonumber(ARGV[at + 2]) * 1000
  local cost = tonumber(ARGV[at + 3])
  local stored = redis.call('HMGET', key, 'tokens', 'ts')
  local held, last = tonumber(stored[1]), tonumber(stored[2])
  local tokens = capacity
  if held and last then
    tokens = math.min(capacity, held + math.max(0, now - last) * capacity / window_us)
  end
  if tokens + 1e-9 >= cost then
    tokens = math.max(0, tokens - cost)
    redis.call('HSET', key, 'tokens', string.format('%.17g', tokens), 'ts', string.format('%.0f', math.max(now, last or now)))
    redis.call('PEXPIRE', key, string.format('%.0f', math.max(1, math.ceil((capacity - tokens) * window_us / capacity / 1000))))
    answer[i] = math.floor(tokens * 1000)
  else
    answer[i] = -1 - math.floor(tokens * 1000)
  end
end
answer[#KEYS + 1] = now
return answer
`;

const COMMAND = 'bullseyeRateLimitTake';

/** Takes per script call at most: bounds how long one call holds Redis (a few µs per take). */
const MAX_TAKES_PER_CALL = 64;

type TakeReply = unknown[];
type WithTake = { [COMMAND](numberOfKeys: number, ...keysThenArgs: Array<string | number>): Promise<TakeReply> };

/** A decision together with the tokens left (to a thousandth, rounded down), for the over-limit cache. */
export interface BucketAnswer {
  readonly decision: LimitDecision;
  readonly tokens: number;
}

export interface RedisLimiterOptions {
  client: RedisClient;
  commandTimeoutMs: number;
  keyPrefix?: string;
  /** Takes per script call at most (default MAX_TAKES_PER_CALL; always 1 on a Cluster client). */
  maxTakesPerCall?: number;
}

export interface RedisLimiter extends RateLimiter {
  takeWithState(bucketId: string, cost: number, spec: RateLimitSpec): Promise<BucketAnswer>;
  readonly client: RedisClient;
}

interface Take {
  bucketId: string;
  cost: number;
  spec: RateLimitSpec;
}

export const bucketKey = (bucketId: string, prefix = 'rl:'): string => `${prefix}{${bucketId}}`;

export function createRedisLimiter(options: RedisLimiterOptions): RedisLimiter {
  const { client, commandTimeoutMs } = options;
  const prefix = options.keyPrefix ?? 'rl:';
  if (typeof (client as unknown as Partial<WithTake>)[COMMAND] !== 'function') {
    client.defineCommand(COMMAND, { lua: TAKE_SCRIPT });
  }
  const scripted = client as unknown as WithTake;

  async function sendTakes(takes: readonly Take[]): Promise<BucketAnswer[]> {
    const count = takes.length;
    const keysThenArgs = new Array<string | number>(count);
    for (let i = 0; i < count; i++) keysThenArgs[i] = bucketKey((takes[i] as Take).bucketId, prefix);
    const first = takes[0] as Take;
    const { requests, perMs } = first.spec;
    if (takes.every((take) => take.cost === first.cost && take.spec.requests === requests && take.spec.perMs === perMs)) {
      keysThenArgs.push(requests, perMs, first.cost);
    } else {
      for (const { cost, spec } of takes) keysThenArgs.push(spec.requests, spec.perMs, cost);
    }
    const reply = await withDeadline(scripted[COMMAND](count, ...keysThenArgs), commandTimeoutMs);
    const nowUs = Array.isArray(reply) && reply.length === count + 1 ? reply[count] : undefined;
    if (typeof nowUs !== 'number') throw new Error('rate limiter: unexpected reply from the Redis script');
    const nowMs = nowUs / 1000;
    const answers = new Array<BucketAnswer>(count);
    for (let i = 0; i < count; i++) {
      const signed = reply[i];
      if (typeof signed !== 'number') throw new Error('rate limiter: unexpected reply from the Redis script');
      const allowed = signed >= 0;
      const tokens = (allowed ? signed : -1 - signed) / 1000;
      const { cost, spec } = takes[i] as Take;
      answers[i] = { decision: decide(allowed, tokens, nowMs, cost, spec, 'redis'), tokens };
    }
    return answers;
  }

  const maxTakesPerCall = client.isCluster ? 1 : (options.maxTakesPerCall ?? MAX_TAKES_PER_CALL);
  const batchTake = createTurnBatcher(maxTakesPerCall, sendTakes);

  function takeWithState(bucketId: string, cost: number, spec: RateLimitSpec): Promise<BucketAnswer> {
    try {
      assertValid(cost, spec);
    } catch (err) {
      return Promise.reject(err);
    }
    return batchTake({ bucketId, cost, spec });
  }

  return {
    client,
    takeWithState,
    take: (bucketId, cost, spec) => takeWithState(bucketId, cost, spec).then((answer) => answer.decision),
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
