// `bullseye-gateway gateway`: a data plane alone (a sidecar or an ingress
// replica). Its keys come from the admin's change feed (ADMIN_URL +
// SYNC_TOKEN); last-used times go back to the admin in batches. It never
// opens the database.
import { cliLogger, parseCommandArgs, type CommandLeaf } from '../../core/cli-kit.js';
import { systemClock } from '../../core/clock.js';
import { ConfigError } from '../../core/errors.js';
import { createLastUsedBatcher } from '../../core/last-used.js';
import { loadSettings } from '../../config/gateway-settings.js';
import { startDataPlane } from '../data-plane.js';
import { followFeed } from '../replica/follow-feed.js';
import { KeyReplica } from '../replica/key-replica.js';
import { serveUntilShutdown } from './serve-until-shutdown.js';
import { SETTINGS_HELP } from './settings-help.js';

export const gatewayCommand: CommandLeaf = {
  summary: 'run a gateway alone, following the admin service over its change feed',
  help: `Usage: bullseye-gateway gateway

Run the gateway (GATEWAY_PORT) and the ops listener (OPS_PORT). Keys are
replicated in memory from the admin's change feed at ADMIN_URL (its SYNC_PORT
listener), authenticated with SYNC_TOKEN; if the admin is unreachable the
gateway keeps serving from its last replica and /readyz reports it stale after
sync.staleAfter. Reloads the policy when its file changes or on SIGHUP; stops
cleanly on SIGTERM or SIGINT.
${SETTINGS_HELP}`,
  async run(argv, env, io) {
    parseCommandArgs(argv, {});
    const settings = loadSettings(env);
    if (!settings.adminUrl || !settings.syncToken) {
      throw new ConfigError('split mode needs the admin change feed', [
        ...(settings.adminUrl ? [] : ['ADMIN_URL is not set (the admin sync listener, e.g. http://admin:8082)']),
        ...(settings.syncToken ? [] : ['SYNC_TOKEN is not set (the same secret the admin service has)']),
      ]);
    }
    const clock = systemClock;
    const logger = cliLogger(io, settings.logLevel, 'bullseye-gateway');
    const replica = new KeyReplica();
    const feed = followFeed({
      adminUrl: settings.adminUrl,
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
        lastUsed,
        replicaReadiness: () => ({ ...replica.status(), stale: feed.stale(), lastSyncAt: feed.lastSyncAt() }),
        clock,
        logger,
      });
    } catch (err) {
      await feed.close();
      throw err;
    }
    return serveUntilShutdown(io, logger, plane, async () => {
      await lastUsed.close();
      await feed.close();
    }, settings.server.shutdownGraceMs);
  },
};
