// The whole control plane as one unit: the store, the key-activity batcher, the
// public admin listener and (with a sync token) the change feed listener.
// `bullseye-gateway admin` runs it alone; `start` runs it beside a gateway
// that follows `store` in-process.
import type { FailedAuthenticationGuard } from '../core/authenticate-caller.js';
import type { Clock } from '../core/clock.js';
import { ConfigError } from '../core/errors.js';
import { createActivityBatcher, type ActivityBatcher } from '../core/activity-batcher.js';
import { listenOrExplain } from '../core/listen.js';
import { VERSION } from '../core/version.js';
import type { Logger } from '../core/logger.js';
import type { Registry } from 'prom-client';
import { createAdminMetrics } from './metrics.js';
import { createAdminServer } from './server.js';
import { openStore, type KeyStore, type StoreHealth } from './store/key-store.js';
import { createSyncServer } from './sync/server.js';

export interface AdminPlane {
  readonly store: KeyStore;
  /** Last-used times of admin calls and, in `start`, its gateway's key activity: batched into the store. */
  readonly activity: ActivityBatcher;
  readonly adminPort: number;
  /** Admin request and key-count metrics, for an ops listener to serve. */
  readonly metrics: Registry;
  /** undefined when SYNC_TOKEN is unset. */
  readonly syncPort: number | undefined;
  /** For /readyz: whether the database takes writes; while it does not, each call probes again. */
  storeReadiness(): StoreHealth;
  /**
   * Drain both listeners at once (each as core/graceful-close.ts does; held change-feed polls are
   * answered at once), giving in-flight requests up to config.shutdownGraceMs. The store stays
   * open, so a gateway in the same process can drain at the same time and still note last use.
   */
  drain(): Promise<void>;
  /** drain() (if not begun), then flush key activity and close the database. */
  close(): Promise<void>;
}

export interface AdminPlaneOptions {
  config: {
    host: string;
    adminPort: number;
    syncPort: number;
    databasePath: string;
    /** Unset: no change feed listener, so split-mode gateways cannot sync. */
    syncToken: string | undefined;
    /** How long in-flight requests may take to finish at shutdown (server.shutdownGrace). */
    shutdownGraceMs: number;
    /** server.trustedProxies (normalized) for the admin listener; default none. */
    trustedProxies?: readonly string[];
  };
  clock: Clock;
  logger: Logger;
  /**
   * The admin listener's failed-authentication guard (rateLimit.authFailures), its own even beside
   * a gateway. Built by the composition root: the guard's implementation is the gateway's.
   */
  authFailures: FailedAuthenticationGuard;
  /** How often key activity is written to the store (sync.lastUsedFlush). */
  activityFlushMs?: number;
  /** How long hourly usage rows are kept (usage.retention). */
  usageRetentionMs?: number;
  /** Include Node process metrics in `metrics` (false when a gateway in the same process has them). */
  processMetrics?: boolean;
}

export async function startAdminPlane(options: AdminPlaneOptions): Promise<AdminPlane> {
  const { config, clock, logger, authFailures, activityFlushMs, usageRetentionMs } = options;
  const store = openStore({ path: config.databasePath, clock, logger, usageRetentionMs });
  // Prove a write works before taking traffic: a database that opens but cannot be written
  // (wrong owner on a volume, a read-only mount, a full disk) would otherwise look ready.
  const unwritable = store.probeWrite();
  if (unwritable !== undefined) {
    store.close();
    throw new ConfigError(unwritable);
  }
  logger.info({ database: store.path }, 'database opened and writable');
  const storeReadiness = (): StoreHealth => {
    if (!store.health().writable) store.probeWrite();
    return store.health();
  };
  const metrics = createAdminMetrics({ keyCounts: () => store.keyCounts(), processMetrics: options.processMetrics ?? true });
  const activity = createActivityBatcher({
    flush: (batch) => store.recordActivity(batch),
    intervalMs: activityFlushMs,
    onError: (err, batch) =>
      logger.error({ err, keys: batch.lastUsed.size, usageRows: batch.usage.length }, 'writing key activity failed; will retry'),
  });
  const admin = createAdminServer({
    store,
    clock,
    logger: logger.child({ listener: 'admin' }),
    lastUsed: activity,
    authFailures,
    trustedProxies: config.trustedProxies,
    metrics,
  });
  const sync = config.syncToken
    ? createSyncServer({ store, token: config.syncToken, logger: logger.child({ listener: 'sync' }) })
    : undefined;

  // Each listener's close returns the same promise if called again, so drain() may be too.
  const drain = (): Promise<void> =>
    Promise.all([admin.close(config.shutdownGraceMs), sync?.close(config.shutdownGraceMs)]).then(() => undefined);
  const close = async (): Promise<void> => {
    await drain();
    await activity.close();
    store.close();
  };

  try {
    const { port: adminPort } = await listenOrExplain(admin, config.adminPort, config.host, 'ADMIN_PORT');
    let syncPort: number | undefined;
    if (sync) {
      syncPort = (await listenOrExplain(sync, config.syncPort, config.host, 'SYNC_PORT')).port;
    } else {
      logger.warn('SYNC_TOKEN is not set: no change feed listener, so split-mode gateways cannot sync keys');
    }
    logger.info(
      { host: config.host, adminPort, syncPort: syncPort ?? null, database: store.path, version: VERSION },
      'admin service listening',
    );
    return { store, activity, adminPort, syncPort, metrics: metrics.registry, storeReadiness, drain, close };
  } catch (err) {
    await close();
    throw err;
  }
}
