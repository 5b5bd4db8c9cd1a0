// Whether the store can write now, as /readyz reports it: it turns false at a
// write that fails for an environmental reason (see writability.ts) and true
// again at the next write or probe that succeeds. Transitions are logged once
// each, so a broken disk does not log a line per request.
import type { Logger } from '../../core/logger.js';
import { isStoreFailure, StoreUnavailableError } from './writability.js';

export interface StoreHealth {
  readonly writable: boolean;
  /** What the last failed write or probe said (naming the file); null while writable. */
  readonly failure: string | null;
}

export interface HealthTracker {
  status(): StoreHealth;
  /** Run a write: a store failure marks the store unwritable and is rethrown as StoreUnavailableError. */
  write<T>(run: () => T): T;
  /** Record a probe's outcome (undefined: it succeeded). */
  probed(problem: string | undefined): void;
}

/** busyTimeoutMs: the connection's, for the explanation of a lock held too long. */
export function createHealthTracker(path: string, logger: Logger, busyTimeoutMs?: number): HealthTracker {
  let failure: string | null = null;
  const succeeded = (): void => {
    if (failure === null) return;
    failure = null;
    logger.info({ database: path }, 'database writable again');
  };
  const failed = (reason: string): void => {
    if (failure === null) logger.error({ database: path, reason }, 'database writes are failing; key writes answer 503 store_unavailable');
    failure = reason;
  };
  return {
    status: () => ({ writable: failure === null, failure }),
    write(run) {
      let result;
      try {
        result = run();
      } catch (err) {
        if (!isStoreFailure(err)) throw err;
        const unavailable = new StoreUnavailableError(path, err, busyTimeoutMs);
        failed(unavailable.message);
        throw unavailable;
      }
      succeeded();
      return result;
    },
    probed: (problem) => (problem === undefined ? succeeded() : failed(problem)),
  };
}
