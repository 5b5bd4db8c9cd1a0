// Can this process write its database, and if not, why? SQLite only says
// "attempt to write a readonly database"; an operator needs the file, the
// owner and mode against the process's own uid, a read-only mount or a full
// disk. Failures that come from the environment (not from a bug or bad input)
// are "store failures": the admin answers them 503 and reports them on /readyz.
import { accessSync, constants, statSync, statfsSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { SqliteDatabase } from './database.js';

/** How long a write waits for another connection's write lock before failing with SQLITE_BUSY. */
export const BUSY_TIMEOUT_MS = 5000;

/**
 * SQLite result codes (extended ones start with these) that mean the file, its
 * folder, the disk or another process is in the way: retrying later can succeed.
 */
const STORE_FAILURE_CODES = [
  'SQLITE_READONLY',
  'SQLITE_FULL',
  'SQLITE_IOERR',
  'SQLITE_CANTOPEN',
  'SQLITE_BUSY',
  'SQLITE_LOCKED',
  'SQLITE_PERM',
  'SQLITE_PROTOCOL',
  'SQLITE_NOLFS',
  'SQLITE_CORRUPT',
  'SQLITE_NOTADB',
] as const;

/**
 * Below this much free space a start-up refuses: a rolled-back probe writes
 * nothing to disk, so it cannot see a full disk, and the first commits (WAL
 * frames, a checkpoint) need a few pages each.
 */
export const MIN_FREE_BYTES = 1024 * 1024;

type SqliteError = InstanceType<typeof Database.SqliteError>;

export function isStoreFailure(err: unknown): err is SqliteError {
  return err instanceof Database.SqliteError && STORE_FAILURE_CODES.some((code) => err.code.startsWith(code));
}

/** A store failure, with the absolute path of the database and the operator's explanation. */
export class StoreUnavailableError extends Error {
  readonly path: string;
  readonly sqliteCode: string;
  constructor(path: string, cause: SqliteError, busyTimeoutMs?: number) {
    super(`cannot write database ${path}: ${explainFailure(path, cause, busyTimeoutMs)}`, { cause });
    this.name = 'StoreUnavailableError';
    this.path = path;
    this.sqliteCode = cause.code;
  }
}

const processIdentity = (): string =>
  typeof process.getuid === 'function' ? `uid ${process.getuid()} gid ${process.getgid?.()}` : 'this user';

/** Why `target` is not writable, from the file system's point of view; undefined: it is (or does not exist). */
function accessProblem(target: string, what: 'file' | 'folder'): string | undefined {
  try {
    accessSync(target, constants.W_OK);
    return undefined;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'EROFS') return `the ${what} ${target} is on a read-only file system`;
    if (code === 'EPERM') return `the ${what} ${target} may not be written (EPERM: immutable or blocked by policy)`;
    const stat = statSync(target);
    const mode = (stat.mode & 0o777).toString(8).padStart(4, '0');
    return `the ${what} ${target} is owned by uid ${stat.uid} gid ${stat.gid} with mode ${mode} and this process runs as ${processIdentity()}`;
  }
}

/** Free bytes on the file system holding `folder`, for an unprivileged writer. */
function freeBytes(folder: string): number | undefined {
  try {
    const fs = statfsSync(folder);
    return fs.bavail * fs.bsize;
  } catch {
    return undefined;
  }
}

const noSpace = (folder: string, free: number | undefined): string =>
  `no space left on the file system of ${folder}${free === undefined ? '' : ` (${free} bytes free)`}`;

/**
 * The operator's reason for a store failure at `path` (absolute): the facts found, then SQLite's
 * words. busyTimeoutMs: how long the failed statement waited for the lock.
 */
export function explainFailure(path: string, err: SqliteError, busyTimeoutMs = BUSY_TIMEOUT_MS): string {
  const folder = dirname(path);
  const sqlite = `${err.code}: ${err.message}`;
  if (err.code.startsWith('SQLITE_FULL')) return `${noSpace(folder, freeBytes(folder))} (${sqlite})`;
  if (err.code.startsWith('SQLITE_BUSY') || err.code.startsWith('SQLITE_LOCKED')) {
    return `another connection held the write lock for longer than the busy timeout (${busyTimeoutMs} ms) (${sqlite})`;
  }
  // WAL mode creates -wal and -shm files next to the database, so the folder matters as much as the file;
  // a full disk often shows as an I/O error (the -shm file cannot grow) rather than SQLITE_FULL.
  const free = freeBytes(folder);
  const facts = [
    free !== undefined && free < MIN_FREE_BYTES ? noSpace(folder, free) : undefined,
    accessProblem(path, 'file'),
    accessProblem(folder, 'folder'),
  ].filter((fact) => fact !== undefined);
  return facts.length > 0 ? `${facts.join('; ')} (${sqlite})` : sqlite;
}

/**
 * Prove the database is writable now: a real write in an IMMEDIATE
 * transaction that rolls back (nothing changes, nothing is committed), and
 * enough free space. Never waits for another writer: a held lock is a failure.
 * Returns what is wrong (naming the file), or undefined.
 */
export function probeWrite(db: SqliteDatabase, path: string): string | undefined {
  const folder = dirname(path);
  const free = freeBytes(folder);
  const busyTimeoutMs = db.pragma('busy_timeout', { simple: true }) as number;
  db.pragma('busy_timeout = 0');
  try {
    db.exec('BEGIN IMMEDIATE');
    try {
      db.prepare('UPDATE change_sequence SET value = value WHERE id = 1').run();
    } finally {
      // SQLite may already have rolled back on an I/O error.
      if (db.inTransaction) db.exec('ROLLBACK');
    }
  } catch (err) {
    if (isStoreFailure(err)) return new StoreUnavailableError(path, err, 0).message;
    throw err;
  } finally {
    db.pragma(`busy_timeout = ${busyTimeoutMs}`);
  }
  if (free !== undefined && free < MIN_FREE_BYTES) return `cannot write database ${path}: ${noSpace(folder, free)}`;
  return undefined;
}
