// Tells listeners that the key sequence moved. Commits made through this
// connection are announced synchronously, right after they commit; commits by
// another connection (the CLI, another process) are noticed by polling
// `PRAGMA data_version`, which changes exactly when someone else committed.
// The poll runs only while somebody listens, on an unref'd timer. Listeners
// re-read the store when called, so a spurious call is harmless.
import type { Logger } from '../../core/logger.js';
import type { SqliteDatabase } from './database.js';

export type ChangeListener = (seq: number) => void;

export interface ChangeNotifier {
  subscribe(listener: ChangeListener): () => void;
  /** Announce a sequence this connection just committed. */
  announce(seq: number): void;
  close(): void;
}

/** `PRAGMA data_version` costs microseconds, so a short poll keeps CLI changes (revocations above all) prompt. */
export const DATA_VERSION_POLL_MS = 50;

export function createChangeNotifier(
  db: SqliteDatabase,
  readSeq: () => number,
  logger: Logger,
  pollMs = DATA_VERSION_POLL_MS,
): ChangeNotifier {
  const listeners = new Set<ChangeListener>();
  const dataVersion = db.prepare('PRAGMA data_version').pluck();
  let announced = readSeq();
  let seenVersion = dataVersion.get() as number;
  let timer: NodeJS.Timeout | undefined;

  function announce(seq: number): void {
    if (seq <= announced) return;
    announced = seq;
    for (const listener of [...listeners]) {
      try {
        listener(seq);
      } catch (err) {
        logger.error({ err }, 'key change listener failed');
      }
    }
  }

  function poll(): void {
    try {
      const version = dataVersion.get() as number;
      if (version === seenVersion) return;
      seenVersion = version;
      announce(readSeq()); // last-used writes change data_version too; announce() ignores them
    } catch (err) {
      logger.error({ err }, 'polling the database for changes failed');
    }
  }

  // seenVersion is deliberately not refreshed here: a commit that landed while
  // nobody listened is announced by the first poll, so a listener that read
  // the store just before subscribing cannot miss it. The price is an
  // occasional wake-up with nothing new, which listeners must tolerate.
  function startPolling(): void {
    if (timer) return;
    timer = setInterval(poll, pollMs);
    timer.unref();
  }

  function stopPolling(): void {
    if (timer) clearInterval(timer);
    timer = undefined;
  }

  return {
    subscribe(listener) {
      listeners.add(listener);
      startPolling();
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0) stopPolling();
      };
    },
    announce,
    close() {
      listeners.clear();
      stopPolling();
    },
  };
}
