// The ioredis client for the limiter, configured for a hot path. ioredis'
// defaults suit a job queue, not a per-request check, so:
// - a short command timeout (rateLimit.redisCommandTimeout) bounds what a slow
//   Redis costs a request. The limiter enforces it per take
//   (redis-limiter.ts); ioredis' own commandTimeout is set to a backstop
//   (4x, at least 200 ms) that frees commands Redis never answers. It must
//   be later than the limiter's: it fires in the timers phase, before
//   replies already in the socket are read, so at the same value a pause of
//   our own process (GC, a busy tick) would fail takes that Redis had
//   answered in time;
// - enableOfflineQueue: false: while disconnected, commands fail at once
//   instead of queueing without bound;
// - autoResendUnfulfilledCommands: false and maxRetriesPerRequest: 0: a take
//   in flight when the connection drops is failed, never re-sent (it may
//   already have been counted);
// - reconnect forever with capped exponential backoff, so Redis is used again
//   as soon as it returns;
// - enableAutoPipelining: concurrent takes share one write per tick.
// URL forms: gateway/limiter/redis-url.ts. The client is created connecting,
// and each change of its connection state is logged once, with the address
// and the cause in plain words (logConnectionState below); the resilient
// limiter logs its breaker's changes the same way.
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import { SETTINGS_DEFAULTS } from '../../config/settings-sections.js';
import type { Logger } from '../../core/logger.js';
import { describeRedisError } from './redis-cause.js';
import { parseRedisUrl, redisAddress } from './redis-url.js';

export type RedisClient = Redis | Cluster;

/** Omitted options of a client made outside the settings (tests, benchmarks) take the settings' defaults. */
export interface RedisClientOptions {
  /** The limiter's command timeout in ms (rateLimit.redisCommandTimeout); ioredis gets the backstop derived from it. */
  commandTimeoutMs?: number;
  /** Timeout for establishing a connection in ms (default CONNECT_TIMEOUT_MS). */
  connectTimeoutMs?: number;
  /** Ceiling of the reconnect backoff in ms (default MAX_RECONNECT_DELAY_MS). */
  maxReconnectDelayMs?: number;
  /** ioredis auto-pipelining (rateLimit.redisAutoPipelining). */
  autoPipelining?: boolean;
  logger?: Logger;
}

export const CONNECT_TIMEOUT_MS = 1_000;
export const MAX_RECONNECT_DELAY_MS = 2_000;

/** ioredis' own command timeout for a limiter deadline of `commandTimeoutMs`. */
export const backstopTimeout = (commandTimeoutMs: number): number => Math.max(4 * commandTimeoutMs, 200);

/** Delay before reconnect attempt `attempt` (1-based): 50 ms doubling, capped. */
export function reconnectDelay(attempt: number, maxDelayMs: number): number {
  return Math.min(maxDelayMs, 50 * 2 ** Math.min(Math.max(attempt - 1, 0), 16));
}

export function createRedisClient(url: string, options: RedisClientOptions = {}): RedisClient {
  const target = parseRedisUrl(url);
  const defaults = SETTINGS_DEFAULTS.rateLimit;
  const maxDelay = options.maxReconnectDelayMs ?? MAX_RECONNECT_DELAY_MS;
  const retryStrategy = (attempt: number) => reconnectDelay(attempt, maxDelay);
  const common: RedisOptions = {
    commandTimeout: backstopTimeout(options.commandTimeoutMs ?? defaults.redisCommandTimeoutMs),
    connectTimeout: options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS,
    enableOfflineQueue: false,
    autoResendUnfulfilledCommands: false,
    maxRetriesPerRequest: 0,
    enableAutoPipelining: options.autoPipelining ?? defaults.redisAutoPipelining,
    connectionName: 'bullseye-gateway-limiter',
    username: target.username,
    password: target.password,
    tls: target.tls ? {} : undefined,
  };

  let client: RedisClient;
  if (target.mode === 'cluster') {
    const { enableOfflineQueue, enableAutoPipelining: _notOnCluster, ...redisOptions } = common;
    const clusterOptions: ClusterOptions = {
      enableOfflineQueue,
      // Never on a Cluster, whatever rateLimit.redisAutoPipelining says: ioredis places an
      // auto-pipelined script call by its first argument (our key count), not its keys, so one
      // tick's takes for keys on different masters fail together ("All keys in the pipeline should
      // belong to the same slots allocation group", ioredis#2109) and fall back to memory.
      enableAutoPipelining: false,
      clusterRetryStrategy: retryStrategy,
      redisOptions,
      // TLS clusters (e.g. managed services) announce node IPs; keep the hostnames for certificate checks.
      dnsLookup: target.tls ? (address, callback) => callback(null, address) : undefined,
    };
    client = new Cluster(target.nodes, clusterOptions);
  } else if (target.mode === 'sentinel') {
    client = new Redis({
      ...common,
      retryStrategy,
      sentinels: target.sentinels,
      name: target.name,
      db: target.db,
      sentinelUsername: target.sentinelUsername,
      sentinelPassword: target.sentinelPassword,
      sentinelRetryStrategy: retryStrategy,
      // Also follow a promotion the sentinels announce while the old master's connection is still
      // open (a frozen or partitioned master never closes it): without it every take would time out
      // and the fallback would answer for as long as the hang lasts.
      failoverDetector: true,
      enableTLSForSentinelMode: target.tls,
      sentinelTLS: target.tls ? {} : undefined,
    });
  } else {
    client = new Redis({ ...common, retryStrategy, host: target.host, port: target.port, db: target.db });
  }
  // Always listen: an `error` event without a listener is printed by ioredis itself.
  logConnectionState(client, redisAddress(target), maxDelay, options.logger);
  return client;
}

/**
 * One line per connection state change, never one per retry, so an outage
 * costs a few lines however long it lasts: `cannot connect` (warn) when an
 * attempt fails and the last line was not already that, `lost` (warn) when a
 * ready connection closes, `connected` or `reconnected` (info) on ready. Each
 * carries `redis` (the address, no credentials) and, on failures, `cause`.
 * Failed attempts whose cause differs from the previous one are logged at
 * debug. Our own close (quit, disconnect) ends with `end`, not `reconnecting`,
 * and is not a loss.
 */
function logConnectionState(client: RedisClient, redis: string, maxDelayMs: number, logger: Logger | undefined): void {
  let state: 'connecting' | 'ready' | 'lost' | 'unreachable' = 'connecting';
  let everReady = false;
  /** The latest failure's cause: explains a loss that follows it, and dedupes the debug line. */
  let lastCause: string | undefined;
  const retrying = `retrying with backoff up to ${maxDelayMs} ms`;
  client.on('error', (err: unknown) => {
    const cause = describeRedisError(err);
    if (state === 'connecting' || state === 'lost') {
      state = 'unreachable';
      logger?.warn({ redis, cause }, `rate limiter: cannot connect to Redis; ${retrying}`);
    } else if (cause !== lastCause) {
      logger?.debug(
        { redis, cause },
        state === 'ready' ? 'rate limiter: Redis connection error' : 'rate limiter: Redis connection attempt failed',
      );
    }
    lastCause = cause;
  });
  client.on('reconnecting', () => {
    if (state !== 'ready') return;
    state = 'lost';
    logger?.warn({ redis, cause: lastCause ?? 'Redis closed the connection' }, `rate limiter: lost the Redis connection; ${retrying}`);
  });
  client.on('ready', () => {
    logger?.info({ redis }, everReady ? 'rate limiter: reconnected to Redis' : 'rate limiter: connected to Redis');
    state = 'ready';
    everReady = true;
    lastCause = undefined;
  });
}

/** Resolves true when `client` is ready, false after `timeoutMs`; leaves no listener behind. */
export function whenReady(client: RedisClient, timeoutMs: number): Promise<boolean> {
  if (client.status === 'ready') return Promise.resolve(true);
  return new Promise((resolve) => {
    const onReady = () => {
      clearTimeout(timer);
      resolve(true);
    };
    const timer = setTimeout(() => {
      client.off('ready', onReady);
      resolve(false);
    }, timeoutMs);
    timer.unref();
    client.once('ready', onReady);
  });
}
