// `bullseye-gateway start`: the admin service and a gateway in one process,
// for a single machine. Same code as the split deployment; only the replica's
// feed differs: it follows the store directly, so a revocation is in force
// before the admin's 204 is sent.
import { startAdminPlane } from '../admin/plane.js';
import { cliLogger, parseCommandArgs, type CommandLeaf } from '../core/cli-kit.js';
import { systemClock } from '../core/clock.js';
import { startDataPlane } from '../gateway/data-plane.js';
import { createAuthFailureGuard } from '../gateway/limiter/auth-failure-guard.js';
import { storeKeySource } from '../gateway/replica/key-source.js';
import { checkConfiguration } from './check-configuration.js';
import { loopbackOrigin, ownConnectionSources } from './loopback-origin.js';
import { serveUntilShutdown } from './serve-until-shutdown.js';
import { settingsEnv, settingsHelp } from '../config/settings-help.js';
import { START_SETTINGS } from './command-settings.js';

export const startCommand: CommandLeaf = {
  summary: 'run the admin service and a gateway in one process (single machine)',
  help: `Usage: bullseye-gateway start

Run the admin API (ADMIN_PORT), the gateway (GATEWAY_PORT) and the ops
listener (OPS_PORT) in one process on one SQLite database. With SYNC_TOKEN set,
the change feed (SYNC_PORT) is served too, so more gateways can follow this
one's keys. Reloads the policy when its file changes or on SIGHUP; stops
cleanly on SIGTERM or SIGINT.

${settingsHelp(START_SETTINGS)}`,
  async run(argv, env, io) {
    parseCommandArgs(argv, {});
    const settings = checkConfiguration(settingsEnv(env, START_SETTINGS), 'start');
    const clock = systemClock;
    const logger = cliLogger(io, settings.logLevel, 'bullseye-gateway');
    for (const deprecation of settings.deprecations) logger.warn(deprecation);
    const admin = await startAdminPlane({
      config: {
        host: settings.host,
        adminPort: settings.adminPort,
        syncPort: settings.syncPort,
        databasePath: settings.databasePath,
        syncToken: settings.syncToken ?? undefined,
        shutdownGraceMs: settings.server.shutdownGraceMs,
        // The gateway of this process is a proxy in front of this admin (the key routes go through
        // it, admin@internal): its hop is trusted, so the admin judges the client the gateway judged.
        trustedProxies: [...settings.server.trustedProxies, ...ownConnectionSources(settings.host)],
      },
      clock,
      logger,
      // Its own: the gateway's data plane builds another from the same setting.
      authFailures: createAuthFailureGuard({ clock, spec: settings.rateLimit.authFailures }),
      activityFlushMs: settings.sync.lastUsedFlushMs,
      usageRetentionMs: settings.usage.retentionMs,
      processMetrics: false,
    });
    const keySource = storeKeySource({ store: admin.store, activity: admin.activity, logger });
    let plane;
    try {
      plane = await startDataPlane({
        settings,
        keySource,
        // The key routes go to this process' admin, on whatever port it got: never to another
        // process that happens to hold the default one.
        internalAdmin: { origin: loopbackOrigin(settings.host, admin.adminPort) },
        extraMetrics: admin.metrics,
        // One process: it is ready only while its admin can write the database too.
        extraReadiness: () => {
          const store = admin.storeReadiness();
          return { ready: store.writable, checks: { store: store.writable } };
        },
        clock,
        logger,
      });
    } catch (err) {
      await keySource.close();
      await admin.close();
      throw err;
    }
    return serveUntilShutdown(io, logger, {
      plane,
      graceMs: settings.server.shutdownGraceMs,
      drainAlongside: () => admin.drain(),
      closeSources: async () => {
        await keySource.close();
        await admin.close();
      },
    });
  },
};
