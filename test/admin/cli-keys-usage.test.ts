// `keys usage KEY_ID` in-process against a temp database: a table of the
// key's hours with a total by default, the API's {"usage": [...]} with
// --json, the last 24 hours unless --since/--until say otherwise, the API's
// range rules; an unknown key or bad flags are exit 1, a missing database
// exit 2 (and not created).
import t from 'tap';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { hourStartOf, HOUR_MS, type HourlyUsage } from '../../core/key-activity.js';
import { createManualClock } from '../../core/clock.js';
import { openStore } from '../../admin/store/key-store.js';
import { runCli } from '../helpers/cli.js';
import { createTestKey } from '../helpers/keys.js';
import { captureLogs } from '../helpers/log-capture.js';
import { tempDir } from '../helpers/temp.js';
import { hourlyUsage } from '../helpers/usage.js';

const HOUR = Date.UTC(2026, 11, 1, 13);

/** A database with one key named "busy" and `usage(keyId)` recorded for it. */
function seeded(t: Parameters<typeof tempDir>[0], usage: (keyId: string) => HourlyUsage[]) {
  const path = join(tempDir(t), 'bullseye.db');
  const store = openStore({ path, clock: createManualClock(HOUR), logger: captureLogs().logger });
  try {
    const key = createTestKey(store, { org: 'acme', name: 'busy' });
    store.recordActivity({ lastUsed: new Map(), usage: usage(key.id) });
    return { env: { DATABASE_PATH: path }, keyId: key.id, prefix: key.plainKey.slice(0, 13) };
  } finally {
    store.close();
  }
}

t.test('a table of the hours in the range, oldest first, with a total', async (t) => {
  const { env, keyId, prefix } = seeded(t, (id) => [
    hourlyUsage(id, HOUR, 1200, 3, 10, 0),
    hourlyUsage(id, HOUR - 2 * HOUR_MS, 7, 0, 1, 2),
    hourlyUsage(id, HOUR - 30 * HOUR_MS, 99),
  ]);
  const res = await runCli(['keys', 'usage', keyId, '--since', '24h', '--until', '2026-12-01T14:00:00Z'], env);
  t.equal(res.code, 0, res.stderr);
  t.equal(res.stderr, '');
  t.equal(
    res.stdout,
    [
      `Key ${prefix} "busy" (${keyId}), 2026-11-30T14:00:00Z to 2026-12-01T14:00:00Z, per UTC hour:`,
      'HOUR (UTC)            SUCCESS  RATE LIMITED  CLIENT ERRORS  SERVER ERRORS',
      '2026-12-01T11:00:00Z        7             0              1              2',
      '2026-12-01T13:00:00Z     1200             3             10              0',
      'TOTAL                    1207             3             11              2',
      '',
    ].join('\n'),
  );
});

t.test('--json prints what the API answers; --since takes a time too, its hour included', async (t) => {
  const { env, keyId } = seeded(t, (id) => [hourlyUsage(id, HOUR, 5, 1, 0, 0), hourlyUsage(id, HOUR - HOUR_MS, 2)]);
  const res = await runCli(
    ['keys', 'usage', keyId.toUpperCase(), '--since', '2026-12-01T13:59:00+01:00', '--until', '2026-12-02T00:00:00Z', '--json'],
    env,
  );
  t.equal(res.code, 0, res.stderr);
  t.same(res.json, {
    usage: [
      { start: '2026-12-01T12:00:00Z', success: 2, rateLimited: 0, clientErrors: 0, serverErrors: 0 },
      { start: '2026-12-01T13:00:00Z', success: 5, rateLimited: 1, clientErrors: 0, serverErrors: 0 },
    ],
  });
});

t.test('by default the last 24 hours up to now', async (t) => {
  const now = hourStartOf(Date.now());
  const { env, keyId } = seeded(t, (id) => [hourlyUsage(id, now, 4), hourlyUsage(id, now - 48 * HOUR_MS, 9)]);
  const res = await runCli(['keys', 'usage', keyId, '--json'], env);
  t.equal(res.code, 0, res.stderr);
  t.same(
    res.json.usage.map((hour: { success: number }) => hour.success),
    [4],
  );
});

t.test('no traffic in the range says so', async (t) => {
  const { env, keyId } = seeded(t, () => []);
  const res = await runCli(['keys', 'usage', keyId, '--until', '2026-12-01T00:00:00Z'], env);
  t.equal(res.code, 0, res.stderr);
  t.match(res.stdout, /per UTC hour:\nNo requests in this range\.\n$/);
});

t.test('bad flags and unknown keys are exit 1, naming the problem; a missing database is exit 2 and stays missing', async (t) => {
  const { env, keyId } = seeded(t, () => []);
  const cases: Array<[string[], RegExp]> = [
    [['--since', '24'], /--since must be a duration like 24h or 90m, or an RFC 3339 date-time/],
    [['--since', 'yesterday'], /--since must be a duration/],
    [['--until', '2026-12-01'], /--until must be an RFC 3339 date-time with a time zone/],
    [['--since', '2026-12-02T00:00:00Z', '--until', '2026-12-01T00:00:00Z'], /--since must be before --until/],
    [['--since', '745h'], /the range may be at most 744h \(31 days\)/],
    [['--since'], /--since/],
    [['--bogus'], /bogus/],
  ];
  for (const [flags, message] of cases) {
    const res = await runCli(['keys', 'usage', keyId, ...flags], env);
    t.equal(res.code, 1, flags.join(' '));
    t.match(res.stderr, message, flags.join(' '));
    t.equal(res.stdout, '');
  }
  const allowed = await runCli(['keys', 'usage', keyId, '--since', '744h'], env);
  t.equal(allowed.code, 0, '31 days is allowed');
  const unknown = await runCli(['keys', 'usage', '0b9f7c0e-1f0a-4b9e-9c53-1d1b9b0b8a11'], env);
  t.match(unknown, { code: 1, stderr: /there is no API key with id 0b9f7c0e-1f0a-4b9e-9c53-1d1b9b0b8a11/ });
  const notAnId = await runCli(['keys', 'usage', 'busy'], env);
  t.match(notAnId, { code: 1, stderr: /'busy' is not a key id/ });
  const missingPath = join(tempDir(t), 'nothing.db');
  const missing = await runCli(['keys', 'usage', keyId], { DATABASE_PATH: missingPath });
  t.match(missing, { code: 2, stderr: /does not exist/ });
  t.equal(existsSync(missingPath), false, 'no database was created');
});

t.test('keys --help lists the command', async (t) => {
  const res = await runCli(['keys', '--help'], {});
  t.match(res.stdout, /usage\s+show a key's requests per hour/);
});
