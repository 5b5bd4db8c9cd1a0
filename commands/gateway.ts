// `bullseye-gateway gateway`: a data plane alone (a sidecar or an ingress
// replica). Its keys come from the admin's change feed (SYNC_URL +
// SYNC_TOKEN); last-used times go back to the admin in batches. It never
// opens the database.
import { cliLogger, parseCommandArgs, type CommandLeaf } from '../core/cli-kit.js';
import { systemClock } from '../core/clock.js';
import { startDataPlane } from '../gateway/data-plane.js';
import { feedKeySource } from '../gateway/replica/key-source.js';
import { checkConfiguration } from './check-configuration.js';
import { serveUntilShutdown } from './serve-until-shutdown.js';
import { settingsEnv, settingsHelp } from '../config/settings-help.js';
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
    const keySource = feedKeySource({
      syncUrl: settings.syncUrl,
      token: settings.syncToken,
      clock,
      logger,
      pollWaitMs: settings.sync.pollWaitMs,
      staleAfterMs: settings.sync.staleAfterMs,
      activityFlushMs: settings.sync.lastUsedFlushMs,
    });
    let plane;
    try {
      plane = await startDataPlane({
        settings,
        keySource,
        internalAdmin: 'none',
        clock,
        logger,
      });
    } catch (err) {
      await keySource.close();
      throw err;
    }
    return serveUntilShutdown(io, logger, {
      plane,
      graceMs: settings.server.shutdownGraceMs,
      closeSources: () => keySource.close(),
    });
  },
};
