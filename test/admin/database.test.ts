// Opening the database: folder created, pragmas set, migrations applied once
// by version, each in a transaction; a newer or unusable file is a ConfigError.
import t from 'tap';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { ConfigError } from '../../core/errors.js';
import { openDatabase } from '../../admin/store/database.js';
import { MIGRATIONS } from '../../admin/store/migrations.js';
import { tempDir } from '../helpers/temp.js';

t.test('creates the file and its folders, with WAL, foreign keys, NORMAL sync and a busy timeout', async (t) => {
  const path = join(tempDir(t), 'deep', 'er', 'bullseye.db');
  const db = openDatabase(path);
  t.teardown(() => db.close());
  t.equal(db.pragma('journal_mode', { simple: true }), 'wal');
  t.equal(db.pragma('foreign_keys', { simple: true }), 1);
  t.equal(db.pragma('synchronous', { simple: true }), 1, 'NORMAL');
  t.equal(db.pragma('busy_timeout', { simple: true }), 5000);
  t.equal(db.pragma('user_version', { simple: true }), MIGRATIONS.length);
});

t.test('reopening keeps the data and applies nothing twice', async (t) => {
  const path = join(tempDir(t), 'bullseye.db');
  const first = openDatabase(path);
  first.prepare('INSERT INTO organizations (id, agency, created_at) VALUES (?, 0, 1)').run('acme');
  first.close();
  const again = openDatabase(path);
  t.teardown(() => again.close());
  t.equal(again.prepare('SELECT count(*) FROM organizations').pluck().get(), 1);
  t.equal(again.pragma('user_version', { simple: true }), MIGRATIONS.length);
});

t.test('only the missing migrations run, each in its own transaction', async (t) => {
  const path = join(tempDir(t), 'bullseye.db');
  openDatabase(path, ['CREATE TABLE a (x INTEGER);']).close();
  t.throws(() => openDatabase(path, ['CREATE TABLE a (x INTEGER);', 'CREATE TABLE b (x INTEGER); CREATE TABLE broken (;']), ConfigError);
  const db = new Database(path, { readonly: true });
  t.teardown(() => db.close());
  t.equal(db.pragma('user_version', { simple: true }), 1, 'the failed migration did not count');
  t.equal(db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'b'").pluck().get(), 0, 'and left nothing behind');
});

t.test('a database from a newer build is refused', async (t) => {
  const path = join(tempDir(t), 'bullseye.db');
  const raw = new Database(path);
  raw.pragma(`user_version = ${MIGRATIONS.length + 1}`);
  raw.close();
  t.throws(() => openDatabase(path), { name: 'ConfigError', message: /newer than this build/ });
});

t.test('a path that cannot be a database is a ConfigError', async (t) => {
  const dir = join(tempDir(t), 'a-directory');
  mkdirSync(dir);
  t.throws(() => openDatabase(dir), { name: 'ConfigError', message: /cannot open database/ });
});

t.test('the schema refuses organization keys of unknown organizations', async (t) => {
  const db = openDatabase(join(tempDir(t), 'bullseye.db'));
  t.teardown(() => db.close());
  t.throws(
    () =>
      db
        .prepare(
          `INSERT INTO api_keys (id, family, owner_id, organization_id, name, key_prefix, key_hash, scopes, status, created_at, seq)
           VALUES ('k', 'org', 'ghost', 'ghost', 'n', 'bsk_live_abcd', ?, '[]', 'active', 1, 1)`,
        )
        .run('0'.repeat(64)),
    /FOREIGN KEY/,
  );
});
