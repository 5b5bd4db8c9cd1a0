// `bullseye-gateway admin` in-process: serves the admin API and the change
// feed on the configured ports, and on a shutdown signal closes the
// listeners, flushes last-used times and closes the database (exit 0).
import t from 'tap';
import { join } from 'node:path';
import { createManualClock } from '../../core/clock.js';
import { openStore } from '../../admin/store/key-store.js';
import { TEST_SYNC_TOKEN } from '../helpers/admin.js';
import { runCli, type CliRun } from '../helpers/cli.js';
import { call } from '../helpers/http.js';
import { captureLogs } from '../helpers/log-capture.js';
import { tempDir } from '../helpers/temp.js';

interface Running {
  listening: { adminPort: number; syncPort: number | null };
  stop(): Promise<CliRun>;
}

async function startAdminCommand(env: Record<string, string>): Promise<Running> {
  let signal!: (name: string) => void;
  let listening!: (line: Running['listening']) => void;
  const ready = new Promise<Running['listening']>((resolve) => (listening = resolve));
  const done = runCli(['admin'], env, {
    shutdown: new Promise((resolve) => (signal = resolve)),
    onStdout: (text) => {
      for (const line of text.split('\n').filter(Boolean)) {
        const entry = JSON.parse(line);
        if (entry.msg === 'admin service listening') listening(entry);
      }
    },
  });
  const early = done.then((run) => {
    throw new Error(`admin exited early (${run.code}): ${run.stderr}`);
  });
  return {
    listening: await Promise.race([ready, early]),
    stop: async () => {
      signal('SIGTERM');
      return done;
    },
  };
}

t.test('serves, then shuts down cleanly on a signal', async (t) => {
  const dbPath = join(tempDir(t), 'data', 'bullseye.db');
  const env = { DATABASE_PATH: dbPath, ADMIN_PORT: '0', OPS_PORT: '0', SYNC_PORT: '0', SYNC_TOKEN: TEST_SYNC_TOKEN, LOG_LEVEL: 'info' };
  const created = await runCli(['keys', 'create', '--org', 'acme', '--name', 'boot'], { DATABASE_PATH: dbPath });
  const running = await startAdminCommand(env);
  const { adminPort, syncPort } = running.listening;
  t.ok(adminPort > 0 && syncPort !== null && syncPort > 0 && syncPort !== adminPort, 'two listeners');

  const list = await call(`http://127.0.0.1:${adminPort}`, 'GET', '/api/v1/organization/acme/api-keys', {
    headers: { 'x-api-key': created.json.plainKey },
  });
  t.equal(list.status, 200);
  const feed = await call(`http://127.0.0.1:${syncPort}`, 'GET', '/internal/v1/keys/changes', {
    headers: { authorization: `Bearer ${TEST_SYNC_TOKEN}` },
  });
  t.equal(feed.json.records.length, 1);

  const run = await running.stop();
  t.equal(run.code, 0);
  t.match(run.stdout, /"msg":"shutting down"/);
  t.match(run.stdout, /"msg":"stopped"/);
  t.notMatch(run.stdout, created.json.plainKey, 'the key is not in the log');
  const store = openStore({ path: dbPath, clock: createManualClock(), logger: captureLogs().logger });
  t.teardown(() => store.close());
  t.not(store.getKey(created.json.apiKey.id)?.lastUsedAt, null, 'last-used times were flushed on shutdown');
  await t.rejects(call(`http://127.0.0.1:${adminPort}`, 'GET', '/'), 'the admin port is closed');
});

t.test('without SYNC_TOKEN there is no change feed, and the log says so', async (t) => {
  const env = { DATABASE_PATH: join(tempDir(t), 'bullseye.db'), ADMIN_PORT: '0', OPS_PORT: '0' };
  const running = await startAdminCommand(env);
  t.equal(running.listening.syncPort, null);
  const run = await running.stop();
  t.equal(run.code, 0);
  t.match(run.stdout, /"level":"warn".*split-mode gateways cannot sync/);
});

t.test('configuration errors exit 2 and say what is wrong', async (t) => {
  const dir = tempDir(t);
  const cases: Array<[Record<string, string>, RegExp]> = [
    [{ ADMIN_PORT: 'http' }, /ADMIN_PORT: must be a port number/],
    [{ ADMIN_PORT: '70000', SYNC_PORT: '-1' }, /ADMIN_PORT[\s\S]*SYNC_PORT/],
    [{ SYNC_TOKEN: 'short' }, /SYNC_TOKEN: must be at least 16 characters/],
    [{ LOG_LEVEL: 'verbose' }, /LOG_LEVEL: must be one of/],
    [{ DATABASE_PATH: dir }, /cannot open database/],
  ];
  for (const [env, message] of cases) {
    const res = await runCli(['admin'], { ADMIN_PORT: '0', OPS_PORT: '0', DATABASE_PATH: join(dir, 'x.db'), ...env });
    t.equal(res.code, 2, JSON.stringify(env));
    t.match(res.stderr, message, JSON.stringify(env));
  }
});

t.test('a port already in use is a configuration error', async (t) => {
  const dbPath = join(tempDir(t), 'bullseye.db');
  const first = await startAdminCommand({ DATABASE_PATH: dbPath, ADMIN_PORT: '0', OPS_PORT: '0' });
  const res = await runCli(['admin'], { DATABASE_PATH: dbPath, ADMIN_PORT: String(first.listening.adminPort) });
  t.equal(res.code, 2);
  t.match(res.stderr, /cannot listen on 127\.0\.0\.1:\d+ \(ADMIN_PORT\)/);
  t.equal((await first.stop()).code, 0);
});
