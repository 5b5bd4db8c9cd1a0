// Opening the SQLite file: folder created if missing, pragmas set, schema
// migrated. Failures here are operator problems (bad path, permissions, a
// database from a newer build) and surface as ConfigError.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { ConfigError } from '../../core/errors.js';
import { MIGRATIONS } from './migrations.js';

export type SqliteDatabase = Database.Database;

export const BUSY_TIMEOUT_MS = 5000;

export function openDatabase(path: string, migrations: readonly string[] = MIGRATIONS): SqliteDatabase {
  let db: SqliteDatabase;
  try {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    db = new Database(path, { timeout: BUSY_TIMEOUT_MS });
  } catch (err) {
    throw new ConfigError(`cannot open database ${path}: ${(err as Error).message}`);
  }
  try {
    // WAL: readers never block the writer; NORMAL is durable across crashes of
    // the process (not of the machine) and fast; foreign keys are per connection.
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    migrate(db, path, migrations);
    return db;
  } catch (err) {
    db.close();
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(`cannot prepare database ${path}: ${(err as Error).message}`);
  }
}

/** Apply the migrations this file has not seen, each in its own transaction. */
export function migrate(db: SqliteDatabase, path: string, migrations: readonly string[]): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > migrations.length) {
    throw new ConfigError(
      `database ${path} has schema version ${version}, newer than this build knows (${migrations.length}); upgrade bullseye-gateway`,
    );
  }
  for (let next = version; next < migrations.length; next++) {
    db.transaction(() => {
      // Re-read inside the write lock: another process may have migrated meanwhile.
      if ((db.pragma('user_version', { simple: true }) as number) !== next) return;
      db.exec(migrations[next] as string);
      db.pragma(`user_version = ${next + 1}`);
    }).immediate();
  }
}
