// `bullseye-gateway gateway`: a data plane alone (a sidecar or an ingress
// replica). Its keys come from the admin's change feed (SYNC_URL +
// SYNC_TOKEN); last-used times go back to the admin in batches. It never
// opens the database.
import { cliLogger, parseCommandArgs, type CommandLeaf } from '../../core/cli-kit.js';
import { systemClock } from '../../core/clock.js';
import { createLastUsedBatcher } from '../../core/last-used.js';
import { startDataPlane } from '../data-plane.js';
import { followFeed } from '../replica/follow-feed.js';
import { KeyReplica } from '../replica/key-replica.js';
import { checkConfiguration } from './check-configuration.js';
import { serveUntilShutdown } from './serve-until-shutdown.js';
import { settingsEnv, settingsHelp } from '../../config/settings-help.js';
import { GATEWAY_SETTINGS } from './command-settings.js';

export const gatewayCommand: CommandLeaf = {
  summary: 'run a gateway alone, following the admin service over its change feed',
  help: `Usage: bullseye-gateway gateway

Run the gateway (GATEWAY_PORT) and the ops listener (OPS_PORT). Keys are
replicated in memory from the admin's change feed at SYNC_URL (its SYNC_PORT
listener), authenticated with SYNC_TOKEN; if the admin is unreachable the
gateway keeps serving from its last replica and /readyz reports it stale after
sync.staleAfter. Reloads the policy when its file changes or on SIGHUP; stops
cleanly on SIGTERM or SIGINT.

${settingsHelp(GATEWAY_SETTINGS)}`,
  async run(argv, env, io) {
    parseCommandArgs(argv, {});
    const settings = checkConfiguration(settingsEnv(env, GATEWAY_SETTINGS), 'gateway');
    const clock = systemClock;
    const logger = cliLogger(io, settings.logLevel, 'bullseye-gateway');
    for (const deprecation of settings.deprecations) logger.warn(deprecation);
    const replica = new KeyReplica();
    const feed = followFeed({
      syncUrl: settings.syncUrl,
      token: settings.syncToken,
      replica,
      clock,
      logger,
      pollWaitMs: settings.sync.pollWaitMs,
      staleAfterMs: settings.sync.staleAfterMs,
    });
    const lastUsed = createLastUsedBatcher({
      flush: (batch) => feed.pushLastUsed(batch),
      intervalMs: settings.sync.lastUsedFlushMs,
      onError: (err, batch) => logger.warn({ err: String(err), keys: batch.size }, 'last-used batch not delivered; will retry'),
    });
    let plane;
    try {
      plane = await startDataPlane({
        settings,
        keys: replica,
        internalAdmin: 'none',
        lastUsed,
        replicaReadiness: () => ({ ...replica.status(), stale: feed.stale(), lastSyncAt: feed.lastSyncAt() }),
        clock,
        logger,
      });
    } catch (err) {
      await feed.close();
      throw err;
    }
    return serveUntilShutdown(io, logger, {
      plane,
      graceMs: settings.server.shutdownGraceMs,
      closeSources: async () => {
        await lastUsed.close();
        await feed.close();
      },
    });
  },
};
