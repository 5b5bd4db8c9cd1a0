// The sections of the gateway settings file that only the file can set
// (server, upstream, sync, rateLimit, usage). Their defaults are SETTINGS_DEFAULTS,
// the one place each is stated (pino's `defaultOptions`): the loader fills in
// from it, the components take their values from the loaded settings, and
// config/gateway.example.yaml documents it (test/config/example-settings.test.ts
// holds the two equal). Durations come out in milliseconds. A missing file or
// section means all defaults.
import { DEFAULT_USAGE_RETENTION_MS } from '../core/key-activity.js';
import { days, duration, durationOrOff, flag, integer, oneOf, trustedProxyList } from './fields.js';
import { rateLimit } from './limit-fields.js';
import type { RateLimitSpec } from './policy-types.js';
import { MapReader } from './yaml-source.js';

export interface ServerSettings {
  /** Time to receive a request's headers (slow-loris guard). */
  readonly headersTimeoutMs: number;
  /** Time to receive a whole request. */
  readonly requestTimeoutMs: number;
  readonly keepAliveTimeoutMs: number;
  /** Bytes of request headers accepted. */
  readonly maxHeaderSize: number;
  readonly maxConnections: number;
  /** On SIGTERM: how long in-flight requests may finish before the process exits. */
  readonly shutdownGraceMs: number;
  /**
   * Request bodies up to this many bytes are read whole before the upstream request opens, so a
   * stalled small body never holds an upstream connection; larger ones stream (0: always stream).
   */
  readonly bufferBodyBytes: number;
  /** A request body, buffered or streamed, that sends nothing for this long is cut with 408. */
  readonly bodyIdleTimeoutMs: number;
  /**
   * Addresses and CIDRs (normalized) of the load balancers and proxies in front of the gateway and
   * the admin: from one of them, X-Forwarded-For names the client (core/client-ip.ts). Empty: the
   * peer is the client and X-Forwarded-For is never read.
   */
  readonly trustedProxies: readonly string[];
}

export interface UpstreamPoolSettings {
  /** Connections per upstream origin in the undici pool. */
  readonly connections: number;
  readonly connectTimeoutMs: number;
  /**
   * An idle pooled connection is closed after this (a Keep-Alive hint from the upstream overrides
   * it). Shorter than the upstream's own idle timeout, so the gateway never sends a request on a
   * connection the upstream is closing (Node servers close idle connections after 5 s).
   */
  readonly keepAliveTimeoutMs: number;
}

export interface SyncSettings {
  /** How long one long-poll of the change feed waits for a change. */
  readonly pollWaitMs: number;
  /** A replica not confirmed current for this long reports itself stale (readyz fails). */
  readonly staleAfterMs: number;
  /** How often batched key activity (last-used times, usage counts) is written back. */
  readonly lastUsedFlushMs: number;
}

export interface UsageSettings {
  /** Hourly usage rows older than this are pruned by the admin. */
  readonly retentionMs: number;
}

export const FAILURE_MODES = ['open', 'closed'] as const;
/** Redis down or slow: `open` falls back to in-memory buckets, `closed` answers 503. */
export type FailureMode = (typeof FAILURE_MODES)[number];

/** A lease lifetime's bounds: long enough to pay many requests, short enough that idle leases return soon. */
export const LEASE_LIFETIME_MIN_MS = 10;
export const LEASE_LIFETIME_MAX_MS = 5_000;

export interface LimiterSettings {
  /** A Redis call slower than this counts as a Redis failure. */
  readonly redisCommandTimeoutMs: number;
  readonly onRedisFailure: FailureMode;
  /** Once consecutive Redis failures open the breaker: how long to skip Redis before probing it again. */
  readonly breakerCooldownMs: number;
  /** Batch concurrent Redis calls into one write per event-loop tick (ioredis auto-pipelining). */
  readonly redisAutoPipelining: boolean;
  /**
   * How long a token lease may be spent (gateway/limiter/lease-book.ts); 0: no leases, every take
   * goes to Redis.
   */
  readonly leaseLifetimeMs: number;
  /** Also send the IETF draft `RateLimit` and `RateLimit-Policy` headers. */
  readonly ietfHeaders: boolean;
  /** Failed authentications allowed per client address. */
  readonly authFailures: RateLimitSpec;
}

export interface SettingsSections {
  readonly server: ServerSettings;
  readonly upstream: UpstreamPoolSettings;
  readonly sync: SyncSettings;
  readonly rateLimit: LimiterSettings;
  readonly usage: UsageSettings;
}

/** Every default of every section, deeply frozen. */
export const SETTINGS_DEFAULTS: SettingsSections = Object.freeze({
  server: Object.freeze({
    headersTimeoutMs: 10_000,
    requestTimeoutMs: 30_000,
    keepAliveTimeoutMs: 5_000,
    maxHeaderSize: 16_384,
    maxConnections: 10_000,
    shutdownGraceMs: 10_000,
    bufferBodyBytes: 65_536,
    bodyIdleTimeoutMs: 10_000,
    trustedProxies: Object.freeze([]),
  }),
  upstream: Object.freeze({ connections: 128, connectTimeoutMs: 2_000, keepAliveTimeoutMs: 4_000 }),
  sync: Object.freeze({ pollWaitMs: 25_000, staleAfterMs: 60_000, lastUsedFlushMs: 5_000 }),
  rateLimit: Object.freeze({
    redisCommandTimeoutMs: 50,
    onRedisFailure: 'open',
    breakerCooldownMs: 1_000,
    redisAutoPipelining: true,
    leaseLifetimeMs: 200,
    ietfHeaders: false,
    authFailures: Object.freeze({ requests: 30, perMs: 60_000 }),
  }),
  usage: Object.freeze({ retentionMs: DEFAULT_USAGE_RETENTION_MS }),
});

type Section = MapReader | undefined;

/** Read one optional section with `read`, then report its unknown keys. */
function section<T extends object>(root: Section, key: string, read: (map: Section) => T): Readonly<T> {
  const entry = root?.get(key);
  const map = root && entry ? MapReader.of(root.src, entry) : undefined;
  const value = read(map);
  map?.finish();
  return Object.freeze(value);
}

/** Every section, defaults filled in; problems go to the root's source. */
export function readSettingsSections(root: Section): SettingsSections {
  const defaults = SETTINGS_DEFAULTS;
  const server = section(root, 'server', (map) => ({
    headersTimeoutMs: map?.read('headersTimeout', duration) ?? defaults.server.headersTimeoutMs,
    requestTimeoutMs: map?.read('requestTimeout', duration) ?? defaults.server.requestTimeoutMs,
    keepAliveTimeoutMs: map?.read('keepAliveTimeout', duration) ?? defaults.server.keepAliveTimeoutMs,
    maxHeaderSize: map?.read('maxHeaderSize', integer(1024, 1_048_576)) ?? defaults.server.maxHeaderSize,
    maxConnections: map?.read('maxConnections', integer(1)) ?? defaults.server.maxConnections,
    shutdownGraceMs: map?.read('shutdownGrace', duration) ?? defaults.server.shutdownGraceMs,
    bufferBodyBytes: map?.read('bufferBodyBytes', integer(0, 16_777_216)) ?? defaults.server.bufferBodyBytes,
    bodyIdleTimeoutMs: map?.read('bodyIdleTimeout', duration) ?? defaults.server.bodyIdleTimeoutMs,
    trustedProxies: map?.read('trustedProxies', trustedProxyList) ?? defaults.server.trustedProxies,
  }));
  if (server.headersTimeoutMs > server.requestTimeoutMs) {
    // Node refuses this combination when the server is created; say so at load time instead.
    root?.src.problems.add(root.get('server')?.at, 'server.headersTimeout', 'must not exceed server.requestTimeout');
  }
  const sync = section(root, 'sync', (map) => ({
    pollWaitMs: map?.read('pollWait', duration) ?? defaults.sync.pollWaitMs,
    staleAfterMs: map?.read('staleAfter', duration) ?? defaults.sync.staleAfterMs,
    lastUsedFlushMs: map?.read('lastUsedFlush', duration) ?? defaults.sync.lastUsedFlushMs,
  }));
  if (sync.staleAfterMs <= sync.pollWaitMs) {
    // A healthy long-poll that waits pollWait would otherwise count as stale.
    root?.src.problems.add(root.get('sync')?.at, 'sync.staleAfter', 'must be longer than sync.pollWait');
  }
  return {
    server,
    upstream: section(root, 'upstream', (map) => ({
      connections: map?.read('connections', integer(1, 65_536)) ?? defaults.upstream.connections,
      connectTimeoutMs: map?.read('connectTimeout', duration) ?? defaults.upstream.connectTimeoutMs,
      keepAliveTimeoutMs: map?.read('keepAliveTimeout', duration) ?? defaults.upstream.keepAliveTimeoutMs,
    })),
    sync,
    rateLimit: section(root, 'rateLimit', (map) => ({
      redisCommandTimeoutMs: map?.read('redisCommandTimeout', duration) ?? defaults.rateLimit.redisCommandTimeoutMs,
      onRedisFailure: map?.read('onRedisFailure', oneOf(FAILURE_MODES)) ?? defaults.rateLimit.onRedisFailure,
      breakerCooldownMs: map?.read('breakerCooldown', duration) ?? defaults.rateLimit.breakerCooldownMs,
      redisAutoPipelining: map?.read('redisAutoPipelining', flag) ?? defaults.rateLimit.redisAutoPipelining,
      leaseLifetimeMs:
        map?.read('leaseLifetime', durationOrOff(LEASE_LIFETIME_MIN_MS, LEASE_LIFETIME_MAX_MS)) ?? defaults.rateLimit.leaseLifetimeMs,
      ietfHeaders: map?.read('ietfHeaders', flag) ?? defaults.rateLimit.ietfHeaders,
      authFailures: map?.read('authFailures', rateLimit) ?? defaults.rateLimit.authFailures,
    })),
    usage: section(root, 'usage', (map) => ({
      retentionMs: map?.read('retention', days(1, 3650)) ?? defaults.usage.retentionMs,
    })),
  };
}
