// The data plane as one unit, whatever feeds its key replica: the policy
// (hot-reloaded on file change and SIGHUP), the limiter, the abuse guard, the
// gateway listener and the ops listener. `start` and `gateway` differ only in
// their KeySource: where the replica is fed from and where key activity (last use, usage counts) goes.
import { Registry } from 'prom-client';
import type { Clock } from '../core/clock.js';
import { listenOrExplain } from '../core/listen.js';
import { clientAddressResolver } from '../core/request-client.js';
import type { Logger } from '../core/logger.js';
import type { GatewaySettings } from '../config/gateway-settings.js';
import type { InternalAdmin } from '../config/policy.js';
import { watchPolicy, type PolicyWatcher } from '../config/policy-watch.js';
import { createAuthFailureGuard } from './limiter/auth-failure-guard.js';
import { createLimiter } from './limiter/create-limiter.js';
import { createOpsServer } from '../core/ops-server.js';
import { VERSION } from '../core/version.js';
import { createGatewayMetrics } from './metrics.js';
import type { KeySource } from './replica/key-source.js';
import { createGateway } from './server.js';

/** How long a `closed`-mode gateway waits for Redis before listening anyway. */
export const REDIS_STARTUP_WAIT_MS = 3_000;

export interface DataPlaneOptions {
  settings: GatewaySettings;
  /** The replica, its readiness and the activity sink; its owner closes it after the plane. */
  keySource: KeySource;
  /** Where the policy's `admin@internal` upstream goes: this process' admin (`start`) or nowhere (a gateway alone). */
  internalAdmin: InternalAdmin;
  clock: Clock;
  logger: Logger;
  /** More readiness checks for /readyz (the admin's store, in combined mode): all must hold. */
  extraReadiness?(): { ready: boolean; checks: Record<string, boolean | number | string | null> };
  /** More metrics to serve on the ops listener (the admin plane's, in combined mode). */
  extraMetrics?: Registry;
  /** Told after each reload attempt: applied (with the new hash) or refused (the old policy stays). */
  onPolicyReload?(outcome: { applied: boolean; hash: string }): void;
}

export interface DataPlane {
  readonly gatewayPort: number;
  readonly opsPort: number;
  /** Re-read the policy file now (what SIGHUP does). */
  reloadPolicy(): boolean;
  /** Resolves true once the limiter's backend takes requests (at once without Redis), false after `timeoutMs`. */
  limiterReady(timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
}

export async function startDataPlane(options: DataPlaneOptions): Promise<DataPlane> {
  const { settings, keySource, clock, logger } = options;
  const gatewayLogger = logger.child({ listener: 'gateway' });
  // The limiter first: a malformed REDIS_URL throws before anything needs closing.
  const limiter = createLimiter({
    redisUrl: settings.redisUrl ?? undefined,
    commandTimeoutMs: settings.rateLimit.redisCommandTimeoutMs,
    onRedisFailure: settings.rateLimit.onRedisFailure,
    breakerCooldownMs: settings.rateLimit.breakerCooldownMs,
    autoPipelining: settings.rateLimit.redisAutoPipelining,
    leaseLifetimeMs: settings.rateLimit.leaseLifetimeMs,
    clock,
    logger,
  });
  let gatewayRef: { syncUpstreams(): void } | undefined;
  let policy: PolicyWatcher;
  const metrics = createGatewayMetrics({
    limiterBackend: () => limiter.backend(),
    limiterCounters: () => limiter.counters,
    replica: () => {
      const replica = keySource.status();
      const lastSyncAgeSeconds = replica.lastSyncAt === undefined ? null : (clock.now() - replica.lastSyncAt) / 1000;
      return { ...replica, lastSyncAgeSeconds };
    },
    policyHash: () => policy.current().hash,
  });
  try {
    policy = watchPolicy({
      path: settings.policyPath,
      context: { internalAdmin: options.internalAdmin },
      logger,
      onChange: (next) => {
        gatewayRef?.syncUpstreams();
        metrics.policyReload(true);
        options.onPolicyReload?.({ applied: true, hash: next.hash });
      },
      onError: () => {
        metrics.policyReload(false);
        options.onPolicyReload?.({ applied: false, hash: policy.current().hash });
      },
    });
  } catch (err) {
    await limiter.close();
    throw err;
  }
  // In `closed` mode a request is refused until Redis answers, so wait a little for it before taking
  // traffic. In `open` mode never wait: until Redis is reached the fallback buckets decide, and the
  // limiter logs each change of Redis' state itself.
  if (settings.redisUrl && settings.rateLimit.onRedisFailure === 'closed' && !(await limiter.ready(REDIS_STARTUP_WAIT_MS))) {
    logger.warn({ onRedisFailure: 'closed' }, 'Redis not reachable at start-up; requests are refused (503) until it is');
  }
  const gateway = createGateway({
    policy,
    keys: keySource.replica,
    limiter,
    clientAddressOf: clientAddressResolver(settings.server.trustedProxies),
    authFailures: createAuthFailureGuard({ clock, spec: settings.rateLimit.authFailures }),
    clock,
    logger: gatewayLogger,
    lastUsed: keySource.activity,
    usage: keySource.activity,
    metrics,
    ietfRateLimitHeaders: settings.rateLimit.ietfHeaders,
    limits: settings.server,
    upstreamPools: settings.upstream,
  });
  gatewayRef = gateway;
  const ops = createOpsServer({
    metrics: options.extraMetrics ? Registry.merge([metrics.registry, options.extraMetrics]) : metrics.registry,
    readiness: () => {
      const replica = keySource.status();
      const extra = options.extraReadiness?.();
      const ready = replica.loaded && !replica.stale && (extra?.ready ?? true);
      return {
        ready,
        checks: {
          ...extra?.checks,
          policyLoaded: true,
          policyHash: policy.current().hash,
          // The file on disk, which may differ from the policy in force: an invalid edit is
          // reported here but does not flip readiness, since the last good policy still serves.
          policyFile: policy.fileProblems() === 0 ? 'ok' : 'invalid',
          policyFileProblems: policy.fileProblems(),
          replicaLoaded: replica.loaded,
          replicaStale: replica.stale,
          replicaKeys: replica.size,
          replicaSeq: replica.seq,
          limiter: limiter.backend(),
        },
      };
    },
  });

  const close = async (): Promise<void> => {
    await gateway.close(settings.server.shutdownGraceMs);
    await ops.close();
    policy.close();
    await limiter.close();
  };

  try {
    const { port: gatewayPort } = await listenOrExplain(gateway, settings.gatewayPort, settings.host, 'GATEWAY_PORT');
    const { port: opsPort } = await listenOrExplain(ops, settings.opsPort, settings.host, 'OPS_PORT');
    logger.info({ host: settings.host, gatewayPort, opsPort, version: VERSION }, 'gateway listening');
    return { gatewayPort, opsPort, reloadPolicy: () => policy.reload(), limiterReady: (ms) => limiter.ready(ms), close };
  } catch (err) {
    await close();
    throw err;
  }
}
