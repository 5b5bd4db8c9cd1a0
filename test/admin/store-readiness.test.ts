// Readiness tells the truth about the database: the admin refuses to start
// on a file it cannot write (naming the file and why, exit 2), and a database
// that stops taking writes later (a full disk, a write lock held too long) turns
// /readyz false and key writes into 503 store_unavailable with Retry-After
// (never 500), until a write or probe works.
//
// Real faults, as root (tests run as root, and root ignores permissions):
//   wrong owner: the CLI process runs as `nobody` (setpriv) on a root-owned 0644 file;
//   read-only:   `chattr +i` on the file (even root cannot open it for writing);
//   full disk:   a small tmpfs filled up with a filler file, later removed (test/helpers/store-faults.ts);
//   busy:        another connection holding the write lock (BEGIN IMMEDIATE, not committed).
// Each test is skipped, saying why, where the machine does not allow its fault.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { SETTINGS_DEFAULTS } from '../../config/settings-sections.js';
import { createManualClock } from '../../core/clock.js';
import { createActivityBatcher } from '../../core/activity-batcher.js';
import { startAdminPlane } from '../../admin/plane.js';
import { createAdminServer } from '../../admin/server.js';
import { openStore } from '../../admin/store/key-store.js';
import { createAuthFailureGuard } from '../../gateway/limiter/auth-failure-guard.js';
import { snapshotDatabase } from '../helpers/admin.js';
import { runCli, type CliRun } from '../helpers/cli.js';
import { CLI } from '../helpers/cli-process.js';
import { call } from '../helpers/http.js';
import { createTestKey } from '../helpers/keys.js';
import { captureLogs } from '../helpers/log-capture.js';
import { fillDisk, isRoot, seedDatabase, smallDisk, tmpfsAllowed, works } from '../helpers/store-faults.js';
import { tempDir } from '../helpers/temp.js';

const asNobody = ['--reuid=65534', '--regid=65534', '--clear-groups'];
const noSetpriv = isRoot && works('setpriv', [...asNobody, 'true']) ? false : 'needs root and setpriv to run the CLI as nobody';
const noTmpfs = tmpfsAllowed() ? false : 'mounting a small tmpfs is not allowed here';
const defaultGuard = () => createAuthFailureGuard({ clock: createManualClock(), spec: SETTINGS_DEFAULTS.rateLimit.authFailures });

/**
 * `nobody` must reach the checkout (dist/, node_modules/) to run the CLI at all: a clone in a 0700
 * temp folder (mktemp -d) is closed to it. Let it traverse every ancestor for this test only.
 */
function openAncestorsToOthers(t: { teardown(fn: () => void): void }, from: string): void {
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    const mode = statSync(dir).mode & 0o7777;
    if ((mode & 0o001) === 0) {
      chmodSync(dir, mode | 0o001);
      t.teardown(() => chmodSync(dir, mode));
    }
    if (dirname(dir) === dir) break;
  }
}

t.test(
  'a database owned by another user: the admin refuses to start, naming the file, the owner and the reason (exit 2)',
  { skip: noSetpriv },
  async (t) => {
    openAncestorsToOthers(t, process.cwd());
    // 0755: nobody can create neither the -wal/-shm files nor write the file (fails at open);
    // 0777: the folder is writable, only the file is not (fails at the write probe).
    for (const [folderMode, failsAt, problem] of [
      [
        0o755,
        'prepare',
        /the file .* is owned by uid 0 gid 0 with mode 0644 and this process runs as uid 65534 gid 65534; the folder .* owned by uid 0 gid 0 with mode 0755/,
      ],
      [
        0o777,
        'write',
        /the file .* is owned by uid 0 gid 0 with mode 0644 and this process runs as uid 65534 gid 65534 \(SQLITE_READONLY: /,
      ],
    ] as const) {
      const dir = tempDir(t);
      const dbPath = join(dir, 'bullseye.db');
      seedDatabase(dbPath); // owned by root, mode 0644: readable, not writable, by nobody
      chmodSync(dir, folderMode);
      const run = spawnSync('setpriv', [...asNobody, process.execPath, CLI, 'admin'], {
        env: { PATH: process.env.PATH ?? '', DATABASE_PATH: dbPath, ADMIN_PORT: '0', OPS_PORT: '0', LOG_LEVEL: 'info' },
        encoding: 'utf8',
        timeout: 20_000,
      });
      t.equal(run.status, 2, `folder ${folderMode.toString(8)}: exit code 2`);
      t.match(run.stderr, `error: cannot ${failsAt} database ${dbPath}: `);
      t.match(run.stderr, problem);
      t.notMatch(run.stdout, /admin service listening/, 'never listened');
    }
  },
);

t.test('an immutable database file (chattr +i): startAdminPlane rejects with a ConfigError naming it', async (t) => {
  const dbPath = join(tempDir(t), 'bullseye.db');
  seedDatabase(dbPath);
  if (!works('chattr', ['+i', dbPath])) {
    t.pass('skipped: chattr +i is not available on this file system');
    return;
  }
  t.teardown(() => void spawnSync('chattr', ['-i', dbPath]));
  const config = { host: '127.0.0.1', adminPort: 0, syncPort: 0, databasePath: dbPath, syncToken: undefined, shutdownGraceMs: 1_000 };
  await t.rejects(startAdminPlane({ config, clock: createManualClock(), logger: captureLogs().logger, authFailures: defaultGuard() }), {
    name: 'ConfigError',
    message: new RegExp(`^cannot write database ${dbPath}: the file ${dbPath} may not be written \\(EPERM.*SQLITE_READONLY`),
  });
});

t.test('a full disk at start: startAdminPlane rejects with a ConfigError saying there is no space', { skip: noTmpfs }, async (t) => {
  const disk = smallDisk(t, '2m');
  const dbPath = join(disk, 'bullseye.db');
  seedDatabase(dbPath);
  fillDisk(disk);
  const config = { host: '127.0.0.1', adminPort: 0, syncPort: 0, databasePath: dbPath, syncToken: undefined, shutdownGraceMs: 1_000 };
  await t.rejects(startAdminPlane({ config, clock: createManualClock(), logger: captureLogs().logger, authFailures: defaultGuard() }), {
    name: 'ConfigError',
    // Where it fails depends on the file: opening (the -shm file cannot grow) or the probe.
    message: new RegExp(`^cannot (prepare|write) database ${dbPath}: no space left on the file system of ${disk} \\(0 bytes free\\)`),
  });
});

interface RunningAdmin {
  adminUrl: string;
  opsUrl: string;
  stop(): Promise<CliRun>;
}

/** `bullseye-gateway admin` in-process; resolves once its ops listener is up. */
async function startAdminCommand(env: Record<string, string>): Promise<RunningAdmin> {
  let signal!: (name: string) => void;
  let adminPort = 0;
  let opsUp!: (port: number) => void;
  const up = new Promise<number>((resolve) => (opsUp = resolve));
  const done = runCli(['admin'], env, {
    shutdown: new Promise((resolve) => (signal = resolve)),
    onStdout: (text) => {
      for (const line of text.split('\n').filter(Boolean)) {
        const entry = JSON.parse(line);
        if (entry.msg === 'admin service listening') adminPort = entry.adminPort;
        if (typeof entry.opsPort === 'number' && entry.msg.startsWith('ops listener')) opsUp(entry.opsPort);
      }
    },
  });
  const early = done.then((run) => {
    throw new Error(`admin exited early (${run.code}): ${run.stderr}`);
  });
  const opsPort = await Promise.race([up, early]);
  return {
    adminUrl: `http://127.0.0.1:${adminPort}`,
    opsUrl: `http://127.0.0.1:${opsPort}`,
    stop: async () => {
      signal('SIGTERM');
      return done;
    },
  };
}

t.test(
  'the disk fills up under a running admin: /readyz turns false, key writes are 503 store_unavailable, then both recover',
  { skip: noTmpfs },
  async (t) => {
    const disk = smallDisk(t, '4m');
    mkdirSync(join(disk, 'data'));
    const dbPath = join(disk, 'data', 'bullseye.db');
    const plainKey = seedDatabase(dbPath);
    const admin = await startAdminCommand({ DATABASE_PATH: dbPath, ADMIN_PORT: '0', OPS_PORT: '0', LOG_LEVEL: 'info' });
    t.teardown(() => admin.stop());
    const headers = { 'x-api-key': plainKey };
    const create = (name: string) => call(admin.adminUrl, 'POST', '/api/v1/organization/acme/api-keys', { headers, body: { name } });

    const before = await call(admin.opsUrl, 'GET', '/readyz');
    t.equal(before.status, 200);
    t.match(before.json, { status: 'ready', checks: { store: true } });
    t.equal((await create('before')).status, 201);

    const filler = fillDisk(disk);
    const refused = await create('while full');
    t.equal(refused.status, 503, 'not 500');
    t.match(refused.json, { code: 'store_unavailable', status: 503 });
    t.equal(refused.headers['retry-after'], '5');
    t.notMatch(refused.text, /bullseye\.db|sqlite|SQLITE/i, 'nothing about the file in the answer');
    const listed = await call(admin.adminUrl, 'GET', '/api/v1/organization/acme/api-keys', { headers });
    t.equal(listed.status, 200, 'reads still work');
    const full = await call(admin.opsUrl, 'GET', '/readyz');
    t.equal(full.status, 503);
    t.match(full.json, { status: 'not ready', checks: { store: false } });

    rmSync(filler);
    const after = await call(admin.opsUrl, 'GET', '/readyz');
    t.equal(after.status, 200, 'a probe found the disk writable again');
    t.match(after.json, { checks: { store: true } });
    t.equal((await create('after')).status, 201);

    const run = await admin.stop();
    const logged = run.stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line));
    t.match(
      logged.find((e) => e.msg === 'database opened and writable'),
      { database: dbPath },
    );
    t.match(
      logged.find((e) => e.msg === 'admin service listening'),
      { database: dbPath },
    );
    const failing = logged.filter((e) => e.msg.startsWith('database writes are failing'));
    t.equal(failing.length, 1, 'the failure is logged once');
    t.match(failing[0], {
      level: 'error',
      database: dbPath,
      reason: new RegExp(`^cannot write database ${dbPath}: no space left.*SQLITE_FULL`),
    });
    t.ok(logged.some((e) => e.msg === 'database writable again'));
  },
);

t.test(
  'another connection holds the write lock (SQLITE_BUSY): a key creation is 503 store_unavailable, changes nothing, then works once the lock is released',
  async (t) => {
    const dbPath = join(tempDir(t), 'bullseye.db');
    const logs = captureLogs();
    const clock = createManualClock();
    // A short busy timeout so the test does not wait the production 5 s (better-sqlite3 waits synchronously).
    const store = openStore({ path: dbPath, clock, logger: logs.logger, busyTimeoutMs: 100 });
    const activity = createActivityBatcher({ flush: (batch) => store.recordActivity(batch), intervalMs: 3_600_000 });
    const authFailures = createAuthFailureGuard({ clock, spec: SETTINGS_DEFAULTS.rateLimit.authFailures });
    const server = createAdminServer({ store, clock, logger: logs.logger, lastUsed: activity, authFailures });
    const { port } = await server.listen(0, '127.0.0.1');
    t.teardown(async () => {
      await server.close(1_000);
      await activity.close();
      store.close();
    });
    const { headers } = createTestKey(store, { org: 'acme' });
    const adminUrl = `http://127.0.0.1:${port}`;
    const create = (name: string) => call(adminUrl, 'POST', '/api/v1/organization/acme/api-keys', { headers, body: { name } });

    const locker = new Database(dbPath);
    t.teardown(() => locker.close());
    locker.exec('BEGIN IMMEDIATE'); // the write lock, held until ROLLBACK
    const before = snapshotDatabase(dbPath);
    const refused = await create('while locked');
    t.equal(refused.status, 503, 'not 500 internal');
    t.match(refused.json, { code: 'store_unavailable', status: 503 });
    t.equal(refused.headers['retry-after'], '5');
    t.notMatch(refused.text, /bullseye\.db|sqlite|SQLITE|lock/i, 'nothing about the file in the answer');
    t.equal(snapshotDatabase(dbPath), before, 'nothing changed');
    t.equal(store.health().writable, false, 'readiness reports the store unwritable');
    t.ok(store.probeWrite(), 'a probe fails while the lock is held');
    const failing = await logs.entry((e) => String(e.msg).startsWith('database writes are failing'));
    t.match(failing, {
      level: 'error',
      reason: new RegExp(
        `^cannot write database ${dbPath}: another connection held the write lock for longer than the busy timeout \\(100 ms\\) \\(SQLITE_BUSY`,
      ),
    });

    locker.exec('ROLLBACK');
    const created = await create('after release');
    t.equal(created.status, 201, 'the same request works once the lock is released');
    t.equal(store.health().writable, true, 'and the store is writable again');
    t.notSame(snapshotDatabase(dbPath), before, 'the key was written');
  },
);
