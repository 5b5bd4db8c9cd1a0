// The key and organization commands work on the database file directly
// (DATABASE_PATH), so they run whether or not the admin service is up; a
// running admin notices their commits through the store's change polling.
import { systemClock } from '../../core/clock.js';
import type { CliIo, Env } from '../../core/cli-kit.js';
import { createLogger } from '../../core/logger.js';
import { loadSettings } from '../../config/gateway-settings.js';
import { openStore, type KeyStore } from '../store/key-store.js';

export function withStore<T>(env: Env, io: CliIo, use: (store: KeyStore) => T): T {
  const logger = createLogger({ level: 'warn', destination: { write: (line: string) => io.stderr(line) } });
  const store = openStore({ path: loadSettings(env).databasePath, clock: systemClock, logger });
  try {
    return use(store);
  } finally {
    store.close();
  }
}
