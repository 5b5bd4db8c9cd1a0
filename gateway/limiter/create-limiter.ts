// The one entry point the gateway uses to get its limiter. With REDIS_URL:
// Redis buckets shared by every instance, behind the resilient wrapper
// (failure mode, breaker, over-limit cache). Without: in-memory buckets,
// exact for a single instance, and the start-up log says so.
import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import { createMemoryLimiter } from './memory-limiter.js';
import { createRedisClient, DEFAULT_COMMAND_TIMEOUT_MS } from './redis-client.js';
import { createRedisLimiter } from './redis-limiter.js';
import { parseRedisUrl, redisAddress } from './redis-url.js';
import { createResilientLimiter, type FailureMode } from './resilient-limiter.js';
import type { ManagedLimiter } from './types.js';

export interface CreateLimiterOptions {
  /** REDIS_URL; forms in redis-url.ts. Absent: in-memory, per instance. */
  redisUrl?: string;
  /** Redis command timeout in ms (default 50). */
  commandTimeoutMs?: number;
  /** What to do while Redis is down or slow (default `open`). */
  onRedisFailure?: FailureMode;
  /** How long the breaker skips Redis before probing, in ms (default 5,000). */
  breakerCooldownMs?: number;
  /** Ceiling of the reconnect backoff in ms (default 2,000). */
  maxReconnectDelayMs?: number;
  /** ioredis auto-pipelining (default true). */
  autoPipelining?: boolean;
  /** Most in-memory buckets (default 100,000). */
  maxBuckets?: number;
  clock: Clock;
  logger: Logger;
}

export function createLimiter(options: CreateLimiterOptions): ManagedLimiter {
  const { clock, logger } = options;
  const memory = createMemoryLimiter({ clock, maxBuckets: options.maxBuckets });
  if (!options.redisUrl) {
    logger.info({ backend: 'memory' }, 'rate limiter: no REDIS_URL, limits are kept in memory and hold per gateway instance');
    return {
      ...memory,
      counters: Object.freeze({ fallbacks: 0, redisErrors: 0, localRefusals: 0, breakerOpen: false }),
      ready: async () => true,
    };
  }
  const commandTimeoutMs = options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
  const onRedisFailure = options.onRedisFailure ?? 'open';
  const client = createRedisClient(options.redisUrl, {
    commandTimeoutMs,
    maxReconnectDelayMs: options.maxReconnectDelayMs,
    autoPipelining: options.autoPipelining,
    logger,
  });
  // Never log the URL itself: it may carry a password. The address (redis-url.ts) never does.
  const target = parseRedisUrl(options.redisUrl);
  const redis = redisAddress(target);
  logger.info({ backend: 'redis', redis, redisMode: target.mode, commandTimeoutMs, onRedisFailure }, 'rate limiter: Redis buckets shared by all gateway instances');
  return createResilientLimiter({
    redis: createRedisLimiter({ client, commandTimeoutMs }),
    redisAddress: redis,
    onRedisFailure,
    breakerCooldownMs: options.breakerCooldownMs ?? 5_000,
    clock,
    logger,
    memory,
  });
}
