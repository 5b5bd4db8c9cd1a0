// The key and organization commands work on the database file directly
// (DATABASE_PATH), so they run whether or not the admin service is up; a
// running admin notices their commits through the store's change polling.
// They read only the settings they use: the database path (from the
// environment or the CONFIG_PATH file), never the listener settings, so an
// unrelated bad value (a short SYNC_TOKEN, a bad port) does not stop them.
// Read-only commands never create a database: a missing file is an error.
// Every database failure names the file by its absolute path (exit code 2).
import { systemClock } from '../../core/clock.js';
import type { CliIo, Env } from '../../core/cli-kit.js';
import { ConfigError } from '../../core/errors.js';
import { createLogger } from '../../core/logger.js';
import { loadSettings } from '../../config/gateway-settings.js';
import { openStore, type KeyStore } from '../store/key-store.js';
import { explainFailure, isStoreFailure, StoreUnavailableError } from '../store/writability.js';

/** The environment variables the offline commands read; loadSettings parses them like everywhere else. */
export const OFFLINE_ENV = ['DATABASE_PATH', 'CONFIG_PATH'] as const;

/** DATABASE_PATH as the admin service would resolve it, without reading anything else from `env`. */
export function databasePathFrom(env: Env): string {
  const used: Record<string, string | undefined> = {};
  for (const name of OFFLINE_ENV) used[name] = env[name];
  return loadSettings(used).databasePath;
}

export interface StoreUse {
  /** The command only reads: a missing database is an error, not a new empty one. */
  readOnly?: boolean;
}

export function withStore<T>(env: Env, io: CliIo, use: (store: KeyStore) => T, options: StoreUse = {}): T {
  const logger = createLogger({ level: 'warn', destination: { write: (line: string) => io.stderr(line) } });
  const store = openStore({ path: databasePathFrom(env), mustExist: options.readOnly, clock: systemClock, logger });
  try {
    return use(store);
  } catch (err) {
    if (err instanceof StoreUnavailableError) throw new ConfigError(err.message);
    if (isStoreFailure(err)) throw new ConfigError(`cannot read database ${store.path}: ${explainFailure(store.path, err)}`);
    throw err;
  } finally {
    store.close();
  }
}
