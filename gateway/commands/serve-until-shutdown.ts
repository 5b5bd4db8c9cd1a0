// The life of a long-running data-plane command once it listens: SIGHUP
// reloads the policy; SIGTERM/SIGINT drains the data plane, then closes what
// fed it (its key source, its last-used sink), in that order.
import { EXIT, type CliIo } from '../../core/cli-kit.js';
import type { Logger } from '../../core/logger.js';
import type { DataPlane } from '../data-plane.js';

export async function serveUntilShutdown(
  io: CliIo,
  logger: Logger,
  plane: DataPlane,
  closeSources: () => Promise<void>,
): Promise<number> {
  const stopReloads = io.onReloadSignal(() => plane.reloadPolicy());
  const signal = await io.waitForShutdown();
  logger.info({ signal }, 'shutting down: draining in-flight requests');
  stopReloads();
  await plane.close();
  await closeSources();
  logger.info('stopped');
  return EXIT.ok;
}
