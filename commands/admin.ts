// `bullseye-gateway admin`: run the admin service (and, with SYNC_TOKEN, the
// change feed listener) until SIGTERM or SIGINT, then close the listeners,
// flush last-used times and close the database.
import { systemClock } from '../core/clock.js';
import { cliLogger, EXIT, parseCommandArgs, type CommandLeaf } from '../core/cli-kit.js';
import { loadSettings } from '../config/gateway-settings.js';
import { settingsEnv, settingsHelp } from '../config/settings-help.js';
import { listenOrExplain } from '../core/listen.js';
import { createOpsServer } from '../core/ops-server.js';
import { startAdminPlane } from '../admin/plane.js';
import { createAuthFailureGuard } from '../gateway/limiter/auth-failure-guard.js';
import { ADMIN_SETTINGS } from './command-settings.js';
import type { KeyStore } from '../admin/store/key-store.js';

/** The change sequence, or null when the database cannot even be read (readiness must answer, not throw). */
function keySequence(store: KeyStore): number | null {
  try {
    return store.currentSeq();
  } catch {
    return null;
  }
}

export const adminCommand: CommandLeaf = {
  summary: 'run the admin service (key management API and change feed)',
  help: `Usage: bullseye-gateway admin

Serve the admin API (list, create, revoke keys) on ADMIN_PORT and, when
SYNC_TOKEN is set, the internal change feed for split-mode gateways on
SYNC_PORT. Logs are JSON lines on stdout. Stops cleanly on SIGTERM or SIGINT.
The database file is created with its folder if missing; the service refuses
to start (exit 2) unless it can write it.

${settingsHelp(ADMIN_SETTINGS)}`,
  async run(argv, env, io) {
    parseCommandArgs(argv, {});
    const settings = loadSettings(settingsEnv(env, ADMIN_SETTINGS));
    const logger = cliLogger(io, settings.logLevel, 'bullseye-admin');
    const plane = await startAdminPlane({
      config: {
        ...settings,
        syncToken: settings.syncToken ?? undefined,
        shutdownGraceMs: settings.server.shutdownGraceMs,
        trustedProxies: settings.server.trustedProxies,
      },
      clock: systemClock,
      logger,
      authFailures: createAuthFailureGuard({ clock: systemClock, spec: settings.rateLimit.authFailures }),
      activityFlushMs: settings.sync.lastUsedFlushMs,
      usageRetentionMs: settings.usage.retentionMs,
    });
    const ops = createOpsServer({
      metrics: plane.metrics,
      readiness: () => {
        const store = plane.storeReadiness();
        return { ready: store.writable, checks: { store: store.writable, keySequence: keySequence(plane.store) } };
      },
    });
    let opsPort: number;
    try {
      opsPort = (await listenOrExplain(ops, settings.opsPort, settings.host, 'OPS_PORT')).port;
    } catch (err) {
      await plane.close();
      throw err;
    }
    logger.info({ host: settings.host, opsPort }, 'ops listener (/healthz, /readyz, /metrics) listening');
    const signal = await io.waitForShutdown();
    const graceMs = settings.server.shutdownGraceMs;
    logger.info({ signal, graceMs }, 'shutting down');
    // The ops listener stays up while the API drains (probes still answer), as the gateway's does.
    await plane.close();
    await ops.close();
    logger.info('stopped');
    return EXIT.ok;
  },
};
