// The life of a long-running data-plane command once it listens: SIGHUP
// reloads the policy; SIGTERM/SIGINT drains the data plane (and, in `start`,
// the admin's listeners at the same time), then closes what fed it (its key
// source, its last-used sink), in that order.
import { EXIT, type CliIo } from '../core/cli-kit.js';
import type { Logger } from '../core/logger.js';
import type { DataPlane } from '../gateway/data-plane.js';

/** After the grace, how long closing the pools, the ops listener and the key source may take. */
export const CLOSE_AFTER_GRACE_MS = 500;
/** Exit code when shutdown did not finish in time and the command returned anyway. */
export const EXIT_SHUTDOWN_OVERRAN = 1;

/**
 * Resolves with the exit code once the plane and its sources are closed, or at graceMs +
 * CLOSE_AFTER_GRACE_MS whatever is still open: a hung close must not keep a terminated process
 * alive (the orchestrator would kill it anyway, without our last log lines).
 */
export interface Serving {
  readonly plane: DataPlane;
  readonly graceMs: number;
  /** Listeners of the same process to drain at the same time as the plane (the admin's, in `start`). */
  readonly drainAlongside?: () => Promise<void>;
  /** Closed once everything has drained. */
  readonly closeSources: () => Promise<void>;
}

export async function serveUntilShutdown(io: CliIo, logger: Logger, serving: Serving): Promise<number> {
  const { plane, graceMs } = serving;
  const stopReloads = io.onReloadSignal(() => plane.reloadPolicy());
  const signal = await io.waitForShutdown();
  logger.info({ signal, graceMs }, 'shutting down: draining in-flight requests');
  stopReloads();
  let deadline: NodeJS.Timeout | undefined;
  const overran = new Promise<true>((resolve) => {
    deadline = setTimeout(() => resolve(true), graceMs + CLOSE_AFTER_GRACE_MS);
  });
  const closing = (async () => {
    await Promise.all([plane.close(), serving.drainAlongside?.()]);
    await serving.closeSources();
    return false as const;
  })();
  let late = false;
  // Before the deadline a failure propagates through the race; after it, only the log is left.
  closing.catch((err: unknown) => {
    if (late) logger.error({ err }, 'closing after the shutdown deadline failed');
  });
  late = await Promise.race([closing, overran]);
  clearTimeout(deadline);
  if (late) {
    logger.error({ graceMs }, 'shutdown did not finish within the grace; exiting with connections or sources still open');
    return EXIT_SHUTDOWN_OVERRAN;
  }
  logger.info('stopped');
  return EXIT.ok;
}
