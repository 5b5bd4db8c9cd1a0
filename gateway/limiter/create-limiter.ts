// The one entry point the gateway uses to get its limiter. With REDIS_URL:
// Redis buckets shared by every instance, behind the resilient wrapper
// (failure mode, breaker, over-limit cache). Without: in-memory buckets,
// exact for a single instance, and the start-up log says so.
// The tuning that is a setting is required here, never defaulted: its one
// default is the settings' (config/settings-sections.ts), so a caller passes
// the loaded `rateLimit` section and no second value can drift from it.
import type { LimiterSettings } from '../../config/settings-sections.js';
import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import { createMemoryLimiter } from './memory-limiter.js';
import { createRedisClient } from './redis-client.js';
import { createRedisLimiter } from './redis-limiter.js';
import { parseRedisUrl, redisAddress } from './redis-url.js';
import { createResilientLimiter } from './resilient-limiter.js';
import type { ManagedLimiter } from './types.js';

export interface CreateLimiterOptions {
  /** REDIS_URL; forms in redis-url.ts. Absent: in-memory, per instance. */
  redisUrl?: string | undefined;
  /** rateLimit.redisCommandTimeout, in ms. */
  commandTimeoutMs: LimiterSettings['redisCommandTimeoutMs'];
  /** rateLimit.onRedisFailure: what to do while Redis is down or slow. */
  onRedisFailure: LimiterSettings['onRedisFailure'];
  /** rateLimit.breakerCooldown, in ms: how long the open breaker skips Redis before probing. */
  breakerCooldownMs: LimiterSettings['breakerCooldownMs'];
  /** rateLimit.redisAutoPipelining. */
  autoPipelining: LimiterSettings['redisAutoPipelining'];
  /** rateLimit.leaseLifetime, in ms (0: no leases). */
  leaseLifetimeMs: LimiterSettings['leaseLifetimeMs'];
  /** Ceiling of the reconnect backoff in ms (default in redis-client.ts). */
  maxReconnectDelayMs?: number;
  /** Most in-memory buckets (default in bucket-store.ts). */
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
      counters: Object.freeze({ fallbacks: 0, redisErrors: 0, localRefusals: 0, leaseAdmissions: 0, leasedTokens: 0, breakerOpen: false }),
      ready: async () => true,
    };
  }
  const { commandTimeoutMs, onRedisFailure } = options;
  const client = createRedisClient(options.redisUrl, {
    commandTimeoutMs,
    maxReconnectDelayMs: options.maxReconnectDelayMs,
    autoPipelining: options.autoPipelining,
    logger,
  });
  // Never log the URL itself: it may carry a password. The address (redis-url.ts) never does.
  const target = parseRedisUrl(options.redisUrl);
  const redis = redisAddress(target);
  logger.info(
    { backend: 'redis', redis, redisMode: target.mode, commandTimeoutMs, onRedisFailure },
    'rate limiter: Redis buckets shared by all gateway instances',
  );
  return createResilientLimiter({
    redis: createRedisLimiter({ client, commandTimeoutMs, leaseLifetimeMs: options.leaseLifetimeMs }),
    redisAddress: redis,
    onRedisFailure,
    breakerCooldownMs: options.breakerCooldownMs,
    clock,
    logger,
    memory,
    leaseLifetimeMs: options.leaseLifetimeMs,
  });
}
