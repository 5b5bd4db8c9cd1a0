// Opening the SQLite file: folder created if missing (unless the file must
// exist), pragmas set, schema migrated. Failures here are operator problems
// (bad path, permissions, a database from a newer build) and surface as
// ConfigError naming the file by its absolute path.
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { ConfigError } from '../../core/errors.js';
import { MIGRATIONS } from './migrations.js';
import { BUSY_TIMEOUT_MS, explainFailure, isStoreFailure } from './writability.js';

export type SqliteDatabase = Database.Database;

/** The path the store uses and reports: absolute, so a message never depends on the reader's directory. */
export const databasePathOf = (path: string): string => (path === ':memory:' ? path : resolve(path));

export interface OpenOptions {
  /** Refuse a missing file instead of creating it (read-only commands must not leave empty databases behind). */
  mustExist?: boolean;
  /** Default BUSY_TIMEOUT_MS. better-sqlite3 waits synchronously: the whole process waits with it. */
  busyTimeoutMs?: number;
}

const reasonOf = (path: string, err: unknown): string => (isStoreFailure(err) ? explainFailure(path, err) : (err as Error).message);

export function openDatabase(givenPath: string, migrations: readonly string[] = MIGRATIONS, options: OpenOptions = {}): SqliteDatabase {
  const path = databasePathOf(givenPath);
  if (options.mustExist && path !== ':memory:' && !existsSync(path)) {
    throw new ConfigError(`database ${path} does not exist (set DATABASE_PATH to the file the admin service uses)`);
  }
  let db: SqliteDatabase;
  try {
    if (path !== ':memory:' && !options.mustExist) mkdirSync(dirname(path), { recursive: true });
    db = new Database(path, { timeout: options.busyTimeoutMs ?? BUSY_TIMEOUT_MS, fileMustExist: options.mustExist === true });
  } catch (err) {
    throw new ConfigError(`cannot open database ${path}: ${reasonOf(path, err)}`);
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
    throw new ConfigError(`cannot prepare database ${path}: ${reasonOf(path, err)}`);
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
