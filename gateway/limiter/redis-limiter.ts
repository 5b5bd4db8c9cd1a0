// Token buckets in Redis, shared by every gateway instance: one atomic Lua
// script per take, one round trip (auto-pipelined with concurrent takes).
// - Time is Redis' own (TIME, microseconds): gateway clocks never matter.
//   Requires Redis >= 5, where scripts replicate their effects, not their
//   source, so a script may read TIME and then write.
// - The bucket is a hash {tokens, ts} at `rl:{<bucketId>}`; the hash tag keeps
//   the script's one key in one Cluster slot whatever the id contains.
// - PEXPIRE = time until the bucket is full again: a full bucket and a missing
//   key are the same thing, so idle keys cost Redis nothing.
// - A refused take writes nothing (refill is a function of time).
// - The script is registered once per client with defineCommand; ioredis
//   sends EVAL on a fresh connection, then EVALSHA, and retries on NOSCRIPT.
// - Every take settles within `commandTimeoutMs` of the call, by a deadline
//   of our own: ioredis' commandTimeout starts only when an auto-pipelined
//   command is written, which can be a round trip later. The deadline fails
//   a take only after this loop turn's I/O has been read, so a pause of our
//   own process does not fail takes Redis answered in time (see
//   redis-client.ts). Failures reject with a plain Error; the resilient
//   limiter decides what they mean.
// The limiter owns its client and closes it.
import type { RedisClient } from './redis-client.js';
import { assertValid, decide } from './token-bucket.js';
import type { LimitDecision, RateLimiter, RateLimitSpec } from './types.js';

const TAKE_SCRIPT = `
local capacity = tonumber(ARGV[1])
local window_us = tonumber(ARGV[2]) * 1000
local cost = tonumber(ARGV[3])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
local stored = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local held, last = tonumber(stored[1]), tonumber(stored[2])
local tokens = capacity
if held and last then
  tokens = math.min(capacity, held + math.max(0, now - last) * capacity / window_us)
end
local allowed = 0
if tokens + 1e-9 >= cost then
  allowed = 1
  tokens = math.max(0, tokens - cost)
  redis.call('HSET', KEYS[1], 'tokens', string.format('%.17g', tokens), 'ts', string.format('%.0f', math.max(now, last or now)))
  redis.call('PEXPIRE', KEYS[1], string.format('%.0f', math.max(1, math.ceil((capacity - tokens) * window_us / capacity / 1000))))
end
return {allowed, string.format('%.17g', tokens), string.format('%.0f', now)}
`;

const COMMAND = 'bullseyeRateLimitTake';

type TakeReply = [allowed: number, tokens: string, nowUs: string];
type WithTake = { [COMMAND](key: string, capacity: number, perMs: number, cost: number): Promise<TakeReply> };

/** A decision together with the exact tokens left, for the over-limit cache. */
export interface BucketAnswer {
  readonly decision: LimitDecision;
  readonly tokens: number;
}

export interface RedisLimiterOptions {
  client: RedisClient;
  commandTimeoutMs: number;
  keyPrefix?: string;
}

export interface RedisLimiter extends RateLimiter {
  takeWithState(bucketId: string, cost: number, spec: RateLimitSpec): Promise<BucketAnswer>;
  readonly client: RedisClient;
}

export const bucketKey = (bucketId: string, prefix = 'rl:'): string => `${prefix}{${bucketId}}`;

export function createRedisLimiter(options: RedisLimiterOptions): RedisLimiter {
  const { client, commandTimeoutMs } = options;
  const prefix = options.keyPrefix ?? 'rl:';
  if (typeof (client as unknown as Partial<WithTake>)[COMMAND] !== 'function') {
    client.defineCommand(COMMAND, { numberOfKeys: 1, lua: TAKE_SCRIPT });
  }
  const scripted = client as unknown as WithTake;

  async function takeWithState(bucketId: string, cost: number, spec: RateLimitSpec): Promise<BucketAnswer> {
    assertValid(cost, spec);
    const reply = await withDeadline(scripted[COMMAND](bucketKey(bucketId, prefix), spec.requests, spec.perMs, cost), commandTimeoutMs);
    const [allowed, tokensText, nowUsText] = Array.isArray(reply) ? reply : [];
    const tokens = Number(tokensText);
    const nowMs = Number(nowUsText) / 1000;
    if ((allowed !== 0 && allowed !== 1) || !Number.isFinite(tokens) || !Number.isFinite(nowMs)) {
      throw new Error('rate limiter: unexpected reply from the Redis script');
    }
    return { decision: decide(allowed === 1, tokens, nowMs, cost, spec), tokens };
  }

  return {
    client,
    takeWithState,
    take: async (bucketId, cost, spec) => (await takeWithState(bucketId, cost, spec)).decision,
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
    const expire = () => reject(new Error(`rate limiter: no answer from Redis within ${ms} ms`));
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
