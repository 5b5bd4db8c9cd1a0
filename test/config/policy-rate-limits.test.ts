// defaults.rateLimit (one window or a list), a route's own rateLimit and
// defaults.quota: every accepted form and what it compiles to; every bad
// value refused at its file:line with the field path, all at once; and
// `policy check` saying so.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { parsePolicy } from '../../config/policy.js';
import { runCli } from '../helpers/cli.js';
import { problemsOf } from '../helpers/problems.js';
import { tempDir } from '../helpers/temp.js';

const DAY = 86_400_000;

/** Line 1-4 are fixed; `defaults` starts at line 5, `routes:` follows it. */
const policyText = (defaults: string, routes = '  GET /a: read\n') =>
  `upstreams:\n  app: http://127.0.0.1:9000\ndefaults:\n  upstream: app\n${defaults}routes:\n${routes}`;

const load = (defaults: string, routes?: string) => parsePolicy(policyText(defaults, routes), 'limits.yaml');
const problems = (defaults: string, routes?: string) => problemsOf(() => load(defaults, routes));

t.test('defaults.rateLimit: one window, as before', async (t) => {
  t.same(load('  rateLimit: { requests: 50, per: 10s }\n').rateLimits, [{ requests: 50, perMs: 10_000 }]);
  t.same(load('').rateLimits, [{ requests: 1000, perMs: 60_000 }], 'unset: 1000 per minute');
});

t.test('defaults.rateLimit: a list of windows, block or flow', async (t) => {
  const block = load('  rateLimit:\n    - { requests: 100, per: 1s }\n    - { requests: 100000, per: 1d }\n');
  t.same(block.rateLimits, [
    { requests: 100, perMs: 1000 },
    { requests: 100000, perMs: DAY },
  ]);
  const flow = load('  rateLimit: [{ requests: 10, per: 1s }, { requests: 600, per: 1m }, { requests: 20000, per: 1h }]\n');
  t.same(flow.rateLimits, [
    { requests: 10, perMs: 1000 },
    { requests: 600, perMs: 60_000 },
    { requests: 20000, perMs: 3_600_000 },
  ]);
  t.same(load('  rateLimit: [{ requests: 7, per: 1m }]\n').rateLimits, [{ requests: 7, perMs: 60_000 }], 'a list of one');
  t.ok(Object.isFrozen(flow.rateLimits) && Object.isFrozen(flow.rateLimits[0]), 'frozen');
});

t.test('window bounds and list rules: what is just allowed', async (t) => {
  const bounds = load('  rateLimit: [{ requests: 1, per: 1000 }, { requests: 1, per: 366d }]\n');
  t.same(
    bounds.rateLimits,
    [
      { requests: 1, perMs: 1000 },
      { requests: 1, perMs: 366 * DAY },
    ],
    '1 s (in milliseconds) and 366 days; a longer window may allow as many as a shorter one',
  );
  const eight = Array.from({ length: 8 }, (_, i) => `{ requests: ${i + 1}, per: ${i + 1}s }`).join(', ');
  t.equal(load(`  rateLimit: [${eight}]\n`).rateLimits.length, 8, 'eight windows');
});

t.test("a route's own rateLimit: one window or a list; null when absent", async (t) => {
  const policy = load(
    '',
    '  GET /a: read\n' +
      '  GET /b: { scope: read, rateLimit: { requests: 5, per: 1s } }\n' +
      '  GET /c:\n    scope: read\n    rateLimit:\n      - { requests: 5, per: 1s }\n      - { requests: 100, per: 1h }\n',
  );
  const [a, b, c] = policy.routes;
  t.equal(a?.rateLimits, null);
  t.same(b?.rateLimits, [{ requests: 5, perMs: 1000 }]);
  t.same(c?.rateLimits, [
    { requests: 5, perMs: 1000 },
    { requests: 100, perMs: 3_600_000 },
  ]);
  t.equal(policy.match('GET', '/b')?.value.rateLimits, b?.rateLimits, 'the matched route carries them');
});

t.test('defaults.quota: day or month; null when absent', async (t) => {
  t.same(load('  quota: { limit: 1000000, period: month }\n').quota, { limit: 1000000, period: 'month' });
  t.same(load('  quota:\n    limit: 5000\n    period: day\n').quota, { limit: 5000, period: 'day' });
  t.equal(load('').quota, null);
});

t.test('a cost up to every window and the quota is allowed', async (t) => {
  const policy = load(
    '  rateLimit: [{ requests: 10, per: 1s }, { requests: 100, per: 1m }]\n  quota: { limit: 10, period: day }\n',
    '  POST /x: { scope: write, cost: 10, rateLimit: { requests: 10, per: 1h } }\n',
  );
  t.equal(policy.routes[0]?.cost, 10);
});

/** [defaults, routes] -> the one problem, exactly. */
const REFUSED: Record<string, [string, string | undefined, string]> = {
  'zero requests': [
    '  rateLimit: { requests: 0, per: 1m }\n',
    undefined,
    'limits.yaml:5: defaults.rateLimit.requests: must be a positive whole number, got 0',
  ],
  'negative requests': [
    '  rateLimit: { requests: -5, per: 1m }\n',
    undefined,
    'limits.yaml:5: defaults.rateLimit.requests: must be a positive whole number, got -5',
  ],
  'fractional requests': [
    '  rateLimit: { requests: 1.5, per: 1m }\n',
    undefined,
    'limits.yaml:5: defaults.rateLimit.requests: must be a positive whole number, got 1.5',
  ],
  'quoted requests': [
    '  rateLimit: { requests: "100", per: 1m }\n',
    undefined,
    'limits.yaml:5: defaults.rateLimit.requests: must be a positive whole number, got "100"',
  ],
  'per under 1 s': [
    '  rateLimit: { requests: 10, per: 500ms }\n',
    undefined,
    'limits.yaml:5: defaults.rateLimit.per: must be from 1 s to 366 days, got "500ms"',
  ],
  'per over 366 days': [
    '  rateLimit: { requests: 10, per: 367d }\n',
    undefined,
    'limits.yaml:5: defaults.rateLimit.per: must be from 1 s to 366 days, got "367d"',
  ],
  'per not a length': [
    '  rateLimit: { requests: 10, per: soon }\n',
    undefined,
    'limits.yaml:5: defaults.rateLimit.per: must be a length like 1s, 10m, 1h, 1d or a number of milliseconds, got "soon"',
  ],
  'per missing': ['  rateLimit: { requests: 10 }\n', undefined, 'limits.yaml:5: defaults.rateLimit.per: is required'],
  'unknown window key': [
    '  rateLimit: { requests: 10, per: 1s, burst: 20 }\n',
    undefined,
    'limits.yaml:5: defaults.rateLimit.burst: unknown key (allowed: requests, per)',
  ],
  'neither a map nor a list': [
    '  rateLimit: 1000\n',
    undefined,
    'limits.yaml:5: defaults.rateLimit: must be a map like { requests: 1000, per: 1m } or a list of such maps, got 1000',
  ],
  'an empty list': ['  rateLimit: []\n', undefined, 'limits.yaml:5: defaults.rateLimit: must hold at least one window'],
  'nine windows': [
    `  rateLimit: [${Array.from({ length: 9 }, (_, i) => `{ requests: ${i + 1}, per: ${i + 1}s }`).join(', ')}]\n`,
    undefined,
    'limits.yaml:5: defaults.rateLimit: holds 9 windows; at most 8',
  ],
  'two windows of one length': [
    '  rateLimit: [{ requests: 10, per: 1m }, { requests: 20, per: 60s }]\n',
    undefined,
    'limits.yaml:5: defaults.rateLimit: two windows of 1m',
  ],
  'a longer window with fewer requests': [
    '  rateLimit: [{ requests: 100, per: 1s }, { requests: 50, per: 1m }]\n',
    undefined,
    'limits.yaml:5: defaults.rateLimit: 50 per 1m allows fewer requests than 100 per 1s holds: the shorter window could never apply',
  ],
  'a bad window in a list, at its own line': [
    '  rateLimit:\n    - { requests: 10, per: 1s }\n    - { requests: 0, per: 1m }\n',
    undefined,
    'limits.yaml:7: defaults.rateLimit[1].requests: must be a positive whole number, got 0',
  ],
  'a list item that is not a map': [
    '  rateLimit: [{ requests: 10, per: 1s }, 100]\n',
    undefined,
    'limits.yaml:5: defaults.rateLimit[1]: must be a map like { requests: 1000, per: 1m }, got 100',
  ],
  'unknown quota period': [
    '  quota: { limit: 100, period: week }\n',
    undefined,
    'limits.yaml:5: defaults.quota.period: must be one of day, month, got "week"',
  ],
  'zero quota limit': [
    '  quota: { limit: 0, period: day }\n',
    undefined,
    'limits.yaml:5: defaults.quota.limit: must be a positive whole number, got 0',
  ],
  'fractional quota limit': [
    '  quota: { limit: 2.5, period: day }\n',
    undefined,
    'limits.yaml:5: defaults.quota.limit: must be a positive whole number, got 2.5',
  ],
  'quota period missing': ['  quota: { limit: 100 }\n', undefined, 'limits.yaml:5: defaults.quota.period: is required'],
  'quota not a map': [
    '  quota: 1000\n',
    undefined,
    'limits.yaml:5: defaults.quota: must be a map like { limit: 1000000, period: month }, got 1000',
  ],
  'unknown quota key': [
    '  quota: { limit: 100, period: day, burst: 5 }\n',
    undefined,
    'limits.yaml:5: defaults.quota.burst: unknown key (allowed: limit, period)',
  ],
  'a bad route window': [
    '',
    '  GET /a: { scope: read, rateLimit: { requests: 5, per: 100ms } }\n',
    'limits.yaml:6: routes."GET /a".rateLimit.per: must be from 1 s to 366 days, got "100ms"',
  ],
  'a bad route window list': [
    '',
    '  GET /a: { scope: read, rateLimit: [{ requests: 5, per: 1s }, { requests: 5, per: 1000ms }] }\n',
    'limits.yaml:6: routes."GET /a".rateLimit: two windows of 1s',
  ],
  'a rateLimit on a public route': [
    '',
    '  GET /a: { public: true, rateLimit: { requests: 5, per: 1s } }\n',
    'limits.yaml:6: routes."GET /a".rateLimit: a public route has no key to limit',
  ],
  'cost above a route window': [
    '',
    '  GET /a: { scope: read, cost: 6, rateLimit: { requests: 5, per: 1s } }\n',
    'limits.yaml:6: routes."GET /a".cost: cost 6 exceeds this route\'s rateLimit 5/1s: the route could never be served',
  ],
  'cost above a default window': [
    '  rateLimit: [{ requests: 10, per: 1s }, { requests: 100, per: 1m }]\n',
    '  GET /a: { scope: read, cost: 11 }\n',
    'limits.yaml:7: routes."GET /a".cost: cost 11 exceeds defaults.rateLimit 10/1s: the route could never be served',
  ],
  'cost above the unwritten default': [
    '',
    '  GET /a: { scope: read, cost: 1001 }\n',
    'limits.yaml:6: routes."GET /a".cost: cost 1001 exceeds the default rate limit 1000/1m: the route could never be served',
  ],
  'cost above the quota': [
    '  quota: { limit: 5, period: month }\n',
    '  GET /a: { scope: read, cost: 6 }\n',
    'limits.yaml:7: routes."GET /a".cost: cost 6 exceeds defaults.quota 5/month: the route could never be served',
  ],
};

for (const [name, [defaults, routes, problem]] of Object.entries(REFUSED)) {
  t.test(`refused: ${name}`, async (t) => {
    t.same(problems(defaults, routes), [problem]);
  });
}

t.test('every limit problem of a file is reported at once, in line order', async (t) => {
  const found = problems(
    '  rateLimit:\n' + // 5
      '    - { requests: 0, per: 1s }\n' + // 6
      '    - { requests: 10, per: 400d }\n' + // 7
      '  quota: { limit: -1, period: year }\n', // 8
    '  GET /a: { scope: read, rateLimit: [{ requests: 100, per: 1s }, { requests: 10, per: 1m }] }\n' + // 10
      '  GET /b: { scope: read, cost: 3, rateLimit: { requests: 2, per: 1s } }\n', // 11
  );
  t.same(found, [
    'limits.yaml:6: defaults.rateLimit[0].requests: must be a positive whole number, got 0',
    'limits.yaml:7: defaults.rateLimit[1].per: must be from 1 s to 366 days, got "400d"',
    'limits.yaml:8: defaults.quota.limit: must be a positive whole number, got -1',
    'limits.yaml:8: defaults.quota.period: must be one of day, month, got "year"',
    'limits.yaml:10: routes."GET /a".rateLimit: 10 per 1m allows fewer requests than 100 per 1s holds: the shorter window could never apply',
    'limits.yaml:11: routes."GET /b".cost: cost 3 exceeds this route\'s rateLimit 2/1s: the route could never be served',
  ]);
});

t.test('policy check: exit 1 with every limit problem; exit 0 once fixed', async (t) => {
  const file = join(tempDir(t, 'policy-limits'), 'policy.yaml');
  writeFileSync(
    file,
    policyText('  rateLimit: [{ requests: 100, per: 1s }, { requests: 50, per: 1d }]\n  quota: { limit: 10, period: week }\n'),
  );
  const refused = await runCli(['policy', 'check', file], {});
  t.equal(refused.code, 1);
  t.equal(refused.stdout, '');
  t.equal(
    refused.stderr,
    `${file}:5: defaults.rateLimit: 50 per 1d allows fewer requests than 100 per 1s holds: the shorter window could never apply\n` +
      `${file}:6: defaults.quota.period: must be one of day, month, got "week"\n` +
      `2 problems in ${file}\n`,
  );
  writeFileSync(
    file,
    policyText('  rateLimit: [{ requests: 100, per: 1s }, { requests: 100000, per: 1d }]\n  quota: { limit: 10, period: day }\n'),
  );
  const accepted = await runCli(['policy', 'check', file], {});
  t.equal(accepted.code, 0);
  t.match(accepted.stdout, /^ok: 1 routes, 1 upstreams, hash [0-9a-f]{12}\n$/);
});
