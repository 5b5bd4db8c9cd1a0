// The CLI and its database file: the absolute path is printed by `keys create`
// and named by every database error; read-only commands never create a
// database; offline commands read only DATABASE_PATH (and CONFIG_PATH), not
// the listener settings; a write to a file that cannot be written names it (exit 2).
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { CLI } from '../helpers/cli-process.js';
import { tempDir } from '../helpers/temp.js';

const cliIn = (cwd: string, args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [join(process.cwd(), CLI), ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
    timeout: 20_000,
  });

t.test('keys create prints the absolute database path; keys list elsewhere names the missing file and creates nothing', async (t) => {
  const home = tempDir(t);
  const created = cliIn(home, ['keys', 'create', '--org', 'acme', '--name', 'boot']);
  t.equal(created.status, 0, created.stderr);
  t.equal(created.stderr, `database: ${join(home, 'data', 'bullseye.db')}\n`, 'the default ./data/bullseye.db, resolved');

  const elsewhere = tempDir(t);
  const listed = cliIn(elsewhere, ['keys', 'list', '--org', 'acme']);
  t.equal(listed.status, 2);
  t.equal(listed.stdout, '', 'no empty listing');
  t.match(listed.stderr, `error: database ${join(elsewhere, 'data', 'bullseye.db')} does not exist`);
  t.notOk(existsSync(join(elsewhere, 'data')), 'no folder or file was created');
  t.equal(cliIn(home, ['keys', 'list', '--org', 'acme']).status, 0, 'found where it was created');
});

t.test('read-only commands on a missing database: exit 2 naming it, nothing created', async (t) => {
  const dir = tempDir(t);
  const dbPath = join(dir, 'data', 'bullseye.db');
  for (const args of [
    ['keys', 'list', '--partner', 'p-1'],
    ['audit', 'list'],
    ['orgs', 'list'],
  ]) {
    const res = await runCli(args, { DATABASE_PATH: dbPath });
    t.equal(res.code, 2, args.join(' '));
    t.equal(res.stderr, `error: database ${dbPath} does not exist (set DATABASE_PATH to the file the admin service uses)\n`);
    t.notOk(existsSync(join(dir, 'data')), 'nothing created');
  }
});

t.test('offline commands ignore the listener settings they do not use', async (t) => {
  const dbPath = join(tempDir(t), 'bullseye.db');
  const unrelated = { SYNC_TOKEN: 'short', ADMIN_PORT: 'http', GATEWAY_PORT: '-1', SYNC_URL: 'ftp://x', DATABASE_PATH: dbPath };
  const added = await runCli(['orgs', 'add', 'acme'], unrelated);
  t.equal(added.code, 0, added.stderr);
  const listed = await runCli(['orgs', 'list'], unrelated);
  t.equal(listed.code, 0, listed.stderr);
  t.match(listed.json, { organizations: [{ id: 'acme' }] });
});

t.test('a write to a database that cannot be written names the file and the reason (exit 2)', async (t) => {
  const dir = tempDir(t);
  const dbPath = join(dir, 'bullseye.db');
  t.equal((await runCli(['orgs', 'add', 'acme'], { DATABASE_PATH: dbPath })).code, 0);
  if (spawnSync('chattr', ['+i', dbPath]).status !== 0) {
    t.pass('skipped: chattr +i is not available on this file system');
    return;
  }
  t.teardown(() => void spawnSync('chattr', ['-i', dbPath]));
  const res = await runCli(['keys', 'create', '--org', 'acme', '--name', 'x'], { DATABASE_PATH: dbPath });
  t.equal(res.code, 2);
  t.equal(res.stdout, '');
  t.match(res.stderr, `error: cannot write database ${dbPath}: the file ${dbPath} may not be written (EPERM`);
  t.match(res.stderr, /SQLITE_READONLY: attempt to write a readonly database/);
});

t.test('a database path that is a folder is named absolutely', async (t) => {
  const dir = tempDir(t);
  mkdirSync(join(dir, 'a-folder'));
  const res = cliIn(dir, ['orgs', 'add', 'acme'], { DATABASE_PATH: 'a-folder' });
  t.equal(res.status, 2);
  t.match(res.stderr, `error: cannot open database ${join(dir, 'a-folder')}: `);
});
