// The sections of the gateway settings file that only the file can set
// (server, upstream, sync, rateLimit), each key with its default. Durations
// come out in milliseconds. A missing file or section means all defaults.
import { duration, flag, integer, oneOf, rateLimit } from './fields.js';
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
}

export interface UpstreamPoolSettings {
  /** Connections per upstream origin in the undici pool. */
  readonly connections: number;
  readonly connectTimeoutMs: number;
}

export interface SyncSettings {
  /** How long one long-poll of the change feed waits for a change. */
  readonly pollWaitMs: number;
  /** A replica not confirmed current for this long reports itself stale (readyz fails). */
  readonly staleAfterMs: number;
  /** How often batched last-used timestamps are written back. */
  readonly lastUsedFlushMs: number;
}

export interface LimiterSettings {
  readonly redisCommandTimeoutMs: number;
  /** Redis down or slow: `open` falls back to in-memory buckets, `closed` answers 503. */
  readonly onRedisFailure: 'open' | 'closed';
  /** After a Redis failure, how long to stay on the fallback before probing Redis again. */
  readonly breakerCooldownMs: number;
  /** Batch concurrent Redis calls into one write per event-loop tick (ioredis auto-pipelining). */
  readonly redisAutoPipelining: boolean;
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
}

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
  const server = section(root, 'server', (map) => ({
    headersTimeoutMs: map?.read('headersTimeout', duration) ?? 10_000,
    requestTimeoutMs: map?.read('requestTimeout', duration) ?? 30_000,
    keepAliveTimeoutMs: map?.read('keepAliveTimeout', duration) ?? 5_000,
    maxHeaderSize: map?.read('maxHeaderSize', integer(1024, 1_048_576)) ?? 16_384,
    maxConnections: map?.read('maxConnections', integer(1)) ?? 10_000,
    shutdownGraceMs: map?.read('shutdownGrace', duration) ?? 10_000,
    bufferBodyBytes: map?.read('bufferBodyBytes', integer(0, 16_777_216)) ?? 65_536,
    bodyIdleTimeoutMs: map?.read('bodyIdleTimeout', duration) ?? 10_000,
  }));
  if (server.headersTimeoutMs > server.requestTimeoutMs) {
    // Node refuses this combination when the server is created; say so at load time instead.
    root?.src.problems.add(root.get('server')?.at, 'server.headersTimeout', 'must not exceed server.requestTimeout');
  }
  const sync = section(root, 'sync', (map) => ({
    pollWaitMs: map?.read('pollWait', duration) ?? 25_000,
    staleAfterMs: map?.read('staleAfter', duration) ?? 60_000,
    lastUsedFlushMs: map?.read('lastUsedFlush', duration) ?? 5_000,
  }));
  if (sync.staleAfterMs <= sync.pollWaitMs) {
    // A healthy long-poll that waits pollWait would otherwise count as stale.
    root?.src.problems.add(root.get('sync')?.at, 'sync.staleAfter', 'must be longer than sync.pollWait');
  }
  return {
    server,
    upstream: section(root, 'upstream', (map) => ({
      connections: map?.read('connections', integer(1, 65_536)) ?? 128,
      connectTimeoutMs: map?.read('connectTimeout', duration) ?? 2_000,
    })),
    sync,
    rateLimit: section(root, 'rateLimit', (map) => ({
      redisCommandTimeoutMs: map?.read('redisCommandTimeout', duration) ?? 50,
      onRedisFailure: map?.read('onRedisFailure', oneOf(['open', 'closed'] as const)) ?? 'open',
      breakerCooldownMs: map?.read('breakerCooldown', duration) ?? 1_000,
      redisAutoPipelining: map?.read('redisAutoPipelining', flag) ?? true,
      ietfHeaders: map?.read('ietfHeaders', flag) ?? false,
      authFailures: map?.read('authFailures', rateLimit) ?? Object.freeze({ requests: 30, perMs: 60_000 }),
    })),
  };
}
