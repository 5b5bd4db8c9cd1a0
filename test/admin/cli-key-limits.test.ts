// keys create/update --rate-limit and --quota: parsed into the API body's form
// and judged by the API's own check; `none` is the policy default again; bad
// values are usage errors naming the flag; keys list shows the limits.
import { join } from 'node:path';
import t from 'tap';
import { EXIT } from '../../core/cli-kit.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';

const envFor = (t: Parameters<typeof tempDir>[0]) => ({ DATABASE_PATH: join(tempDir(t), 'bullseye.db') });

t.test('create, update, clear and list a key with its own limits', async (t) => {
  const env = envFor(t);
  const created = await runCli(
    ['keys', 'create', '--org', 'acme', '--name', 'one', '--rate-limit', '100000/1d, 5000/1m', '--quota', '1000000/month'],
    env,
  );
  t.equal(created.code, 0, created.stderr);
  t.same(created.json.apiKey.rateLimits, [
    { limit: 5000, duration: 60_000 },
    { limit: 100_000, duration: 86_400_000 },
  ]);
  t.same(created.json.apiKey.quota, { limit: 1_000_000, period: 'month' });
  const id = created.json.apiKey.id as string;
  const updated = await runCli(['keys', 'update', id, '--rate-limit', '10/1500ms', '--quota', 'none'], env);
  t.equal(updated.code, 0, updated.stderr);
  t.match(updated.json.apiKey, { rateLimits: [{ limit: 10, duration: 1500 }], quota: null });
  const cleared = await runCli(['keys', 'update', id, '--rate-limit', 'none'], env);
  t.match(cleared.json.apiKey, { rateLimits: null, quota: null });
  const listed = await runCli(['keys', 'list', '--org', 'acme'], env);
  t.match(listed.json.apiKeys, [{ id, rateLimits: null, quota: null }]);
  const audit = await runCli(['audit', 'list'], env);
  t.equal(audit.code, 0, audit.stderr);
});

t.test('bad flag values are usage errors naming the flag', async (t) => {
  const env = envFor(t);
  const cases: Array<[string[], RegExp]> = [
    [['--rate-limit', '5000-1m'], /--rate-limit: "5000-1m" is not LIMIT\/DURATION/],
    [['--rate-limit', '5000/1w'], /--rate-limit: "5000\/1w" is not LIMIT\/DURATION/],
    [['--rate-limit', '0/1m'], /--rate-limit: rateLimits\[0\]\.limit must be a positive whole number/],
    [['--rate-limit', '5/500ms'], /--rate-limit: rateLimits\[0\]\.duration \(milliseconds\) must be from 1 s to 366 days/],
    [['--rate-limit', '100/1m,10/1h'], /--rate-limit: rateLimits: 10 per 1h allows fewer requests than 100 per 1m/],
    [['--rate-limit', '5/1m,6/60s'], /--rate-limit: rateLimits: two windows of 1m/],
    [['--quota', 'lots'], /--quota: "lots" is not LIMIT\/PERIOD/],
    [['--quota', '5/week'], /--quota: quota\.period must be one of day, month/],
    [['--quota', '0/day'], /--quota: quota\.limit must be a positive whole number/],
  ];
  for (const [flags, problem] of cases) {
    const res = await runCli(['keys', 'create', '--org', 'acme', '--name', 'x', ...flags], env);
    t.equal(res.code, EXIT.usage, flags.join(' '));
    t.match(res.stderr, problem, flags.join(' '));
  }
  const list = await runCli(['keys', 'list', '--org', 'acme'], env);
  t.not(list.code, 0, 'nothing was created: no database was even made');
});
