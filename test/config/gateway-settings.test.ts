// Runtime settings: defaults, environment, file, environment over file, and
// every invalid value reported at once with file:line (or the variable name).
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { problemsOf } from '../helpers/problems.js';
import { loadSettings, readSettings } from '../../config/gateway-settings.js';
import { tempDir } from '../helpers/temp.js';

const DIR = 'test/config/fixtures/settings';

const DEFAULTS = {
  host: '127.0.0.1',
  gatewayPort: 8080,
  adminPort: 8081,
  syncPort: 8082,
  opsPort: 9090,
  policyPath: 'config/policy.yaml',
  databasePath: './data/bullseye.db',
  syncUrl: null,
  syncToken: null,
  logLevel: 'info',
  redisUrl: null,
  configPath: null,
  deprecations: [],
  server: {
    headersTimeoutMs: 10_000,
    requestTimeoutMs: 30_000,
    keepAliveTimeoutMs: 5_000,
    maxHeaderSize: 16_384,
    maxConnections: 10_000,
    shutdownGraceMs: 10_000,
    bufferBodyBytes: 65_536,
    bodyIdleTimeoutMs: 10_000,
    trustedProxies: [],
  },
  upstream: { connections: 128, connectTimeoutMs: 2_000, keepAliveTimeoutMs: 4_000 },
  sync: { pollWaitMs: 25_000, staleAfterMs: 60_000, lastUsedFlushMs: 5_000 },
  rateLimit: {
    redisCommandTimeoutMs: 50,
    onRedisFailure: 'open',
    breakerCooldownMs: 1_000,
    redisAutoPipelining: true,
    leaseLifetimeMs: 200,
    ietfHeaders: false,
    authFailures: { requests: 30, perMs: 60_000 },
  },
  usage: { retentionMs: 90 * 86_400_000 },
};

function writeConfig(t: Parameters<typeof tempDir>[0], text: string): string {
  const path = join(tempDir(t), 'gateway.yaml');
  writeFileSync(path, text);
  return path;
}

t.test('defaults with an empty environment and no file', async (t) => {
  const settings = loadSettings({});
  t.same(settings, DEFAULTS);
  for (const part of [settings, settings.server, settings.upstream, settings.sync, settings.rateLimit, settings.rateLimit.authFailures]) {
    t.ok(Object.isFrozen(part), 'frozen');
  }
});

t.test('environment variables', async (t) => {
  const settings = loadSettings({
    HOST: '0.0.0.0',
    GATEWAY_PORT: '0',
    ADMIN_PORT: '18081',
    SYNC_PORT: '18082',
    OPS_PORT: '19090',
    POLICY_PATH: '/etc/bullseye/policy.yaml',
    DATABASE_PATH: '/var/lib/bullseye/keys.db',
    SYNC_URL: 'http://admin.internal:8082',
    SYNC_TOKEN: 'a-long-shared-secret',
    LOG_LEVEL: 'debug',
    REDIS_URL: 'rediss://redis.internal:6380',
  });
  t.match(settings, {
    host: '0.0.0.0',
    gatewayPort: 0,
    adminPort: 18081,
    syncPort: 18082,
    opsPort: 19090,
    policyPath: '/etc/bullseye/policy.yaml',
    databasePath: '/var/lib/bullseye/keys.db',
    syncUrl: 'http://admin.internal:8082',
    syncToken: 'a-long-shared-secret',
    logLevel: 'debug',
    redisUrl: 'rediss://redis.internal:6380',
  });
});

t.test('ADMIN_URL, the old name of SYNC_URL, still works and is reported as deprecated', async (t) => {
  const old = loadSettings({ ADMIN_URL: 'http://admin.internal:8082' });
  t.equal(old.syncUrl, 'http://admin.internal:8082');
  t.match(old.deprecations, [/^ADMIN_URL is deprecated: set SYNC_URL instead/]);
  const both = loadSettings({ ADMIN_URL: 'http://old:8082', SYNC_URL: 'http://new:8082' });
  t.equal(both.syncUrl, 'http://new:8082', 'the current name wins');
  t.match(both.deprecations, [/^ADMIN_URL is ignored: SYNC_URL is set/]);
  t.same(
    problemsOf(() => loadSettings({ ADMIN_URL: 'ftp://admin' })),
    [
      'environment: ADMIN_URL: must be an http:// or https:// URL with no path, query or credentials, like http://127.0.0.1:9000, got "ftp://admin"',
    ],
    'a bad value is reported under the name that was set',
  );
  t.same(loadSettings({}).deprecations, []);
});

t.test('an empty variable counts as unset', async (t) => {
  t.same(loadSettings({ GATEWAY_PORT: '', REDIS_URL: '', CONFIG_PATH: '' }), DEFAULTS);
});

t.test('the file sets sections and env-backed values; the environment wins', async (t) => {
  const path = writeConfig(
    t,
    `gatewayPort: 7000
opsPort: 7090
logLevel: warn
redisUrl: redis://127.0.0.1:6379
server: { headersTimeout: 5s, maxConnections: 50, bufferBodyBytes: 0, bodyIdleTimeout: 2s }
upstream: { connections: 8 }
sync: { pollWait: 10s, staleAfter: 30s, lastUsedFlush: 250ms }
rateLimit: { onRedisFailure: closed, leaseLifetime: 0, ietfHeaders: true, authFailures: { requests: 5, per: 10s } }
`,
  );
  const settings = loadSettings({ GATEWAY_PORT: '7100' }, path);
  t.equal(settings.gatewayPort, 7100, 'environment wins');
  t.equal(settings.opsPort, 7090, 'file value where the environment is silent');
  t.equal(settings.adminPort, 8081, 'default where both are silent');
  t.equal(settings.logLevel, 'warn');
  t.equal(settings.redisUrl, 'redis://127.0.0.1:6379');
  t.equal(settings.configPath, path);
  t.same(settings.server, {
    ...DEFAULTS.server,
    headersTimeoutMs: 5_000,
    maxConnections: 50,
    bufferBodyBytes: 0,
    bodyIdleTimeoutMs: 2_000,
  });
  t.same(settings.upstream, { connections: 8, connectTimeoutMs: 2_000, keepAliveTimeoutMs: 4_000 });
  t.same(settings.sync, { pollWaitMs: 10_000, staleAfterMs: 30_000, lastUsedFlushMs: 250 });
  t.same(settings.rateLimit, {
    ...DEFAULTS.rateLimit,
    onRedisFailure: 'closed',
    leaseLifetimeMs: 0,
    ietfHeaders: true,
    authFailures: { requests: 5, perMs: 10_000 },
  });
});

t.test('server.trustedProxies is read from the file, normalized and frozen; an empty or null list is none', async (t) => {
  const path = writeConfig(t, 'server:\n  trustedProxies: [10.1.2.3/8, "::ffff:192.0.2.1", 2001:DB8::1]\n');
  const { trustedProxies } = loadSettings({}, path).server;
  t.same(trustedProxies, ['10.0.0.0/8', '192.0.2.1', '2001:db8::1']);
  t.ok(Object.isFrozen(trustedProxies), 'frozen');
  for (const text of ['server: { trustedProxies: [] }\n', 'server:\n  trustedProxies:\n']) {
    t.same(loadSettings({}, writeConfig(t, text)).server.trustedProxies, [], text);
  }
});

t.test('usage.retention is whole days, from 1d to 3650d', async (t) => {
  t.same(loadSettings({}, writeConfig(t, 'usage: { retention: 30d }\n')).usage, { retentionMs: 30 * 86_400_000 });
  for (const bad of ['0d', '3651d', '90', '2h', '1.5d', '"90 days"']) {
    const { problems } = readSettings({}, writeConfig(t, `usage: { retention: ${bad} }\n`));
    t.match(problems.join('\n'), /usage\.retention.*must be a number of days from 1d to 3650d/, bad);
  }
});

t.test('upstream.keepAliveTimeout is read from the file, in ms', async (t) => {
  const path = writeConfig(t, 'upstream:\n  keepAliveTimeout: 1500ms\n');
  t.same(loadSettings({}, path).upstream, { ...DEFAULTS.upstream, keepAliveTimeoutMs: 1_500 });
});

t.test('readSettings: a value refused in the file or the environment is marked invalid, not checked as its default', async (t) => {
  const path = writeConfig(t, 'policyPath: 42\nsyncUrl: 17\nopsPort: 7091\n');
  const { settings, problems, invalid } = readSettings({ GATEWAY_PORT: 'eighty' }, path);
  t.same([...invalid].sort(), ['gatewayPort', 'policyPath', 'syncUrl']);
  t.equal(problems.length, 3);
  t.equal(settings.opsPort, 7091, 'the valid values are read');
});

t.test('CONFIG_PATH names the file when no path is passed', async (t) => {
  const path = writeConfig(t, 'opsPort: 7091\n');
  const settings = loadSettings({ CONFIG_PATH: path });
  t.equal(settings.opsPort, 7091);
  t.equal(settings.configPath, path);
});

t.test('invalid environment values are all reported, by variable name', async (t) => {
  const problems = problemsOf(() =>
    loadSettings({
      GATEWAY_PORT: 'eighty',
      OPS_PORT: '65536',
      LOG_LEVEL: 'loud',
      SYNC_URL: 'http://user:pw@admin/feed',
      SYNC_TOKEN: 'short',
    }),
  );
  t.same(problems, [
    'environment: GATEWAY_PORT: must be a port number from 0 to 65535, got "eighty"',
    'environment: OPS_PORT: must be a port number from 0 to 65535, got "65536"',
    'environment: SYNC_URL: must be an http:// or https:// URL with no path, query or credentials, like http://127.0.0.1:9000, got "http://***@admin/feed"',
    'environment: LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent, got "loud"',
    'environment: SYNC_TOKEN: must be at least 16 characters (e.g. openssl rand -hex 32)',
  ]);
});

/** fixture -> [line, field and message] of its one problem. */
const EXPECTED: Record<string, [number, string]> = {
  'unknown-key': [3, 'server.maxConnection: unknown key (allowed: headersTimeout, requestTimeout,'],
  'bad-duration': [2, 'sync.pollWait: must be a duration like 250ms'],
  'bad-enum': [2, 'rateLimit.onRedisFailure: must be one of open, closed, got "fail-open"'],
  'bad-port': [2, 'gatewayPort: must be an integer from 0 to 65535, got 70000'],
  'not-a-map': [1, 'must be a map of gateway settings, got a list'],
  'secret-in-file': [2, 'syncToken: not allowed in a file: set SYNC_TOKEN in the environment'],
  'headers-over-request': [2, 'server.headersTimeout: must not exceed server.requestTimeout'],
  'stale-before-poll': [2, 'sync.staleAfter: must be longer than sync.pollWait'],
  'bad-auth-failures': [2, 'rateLimit.authFailures.per: is required'],
  'auth-failures-list': [2, 'rateLimit.authFailures: must be a map like { requests: 1000, per: 1m }, got a list'],
  'auth-failures-short-window': [2, 'rateLimit.authFailures.per: must be from 1 s to 366 days, got "500ms"'],
  'bad-sync-url': [1, 'syncUrl: must be an http:// or https:// URL'],
  'section-not-a-map': [1, 'server: must be a map, got "fast"'],
  'bad-max-header-size': [1, 'server.maxHeaderSize: must be an integer from 1024 to 1048576, got 100'],
  'bad-buffer-body-bytes': [2, 'server.bufferBodyBytes: must be an integer from 0 to 16777216, got 20000000'],
  'bad-body-idle-timeout': [3, 'server.bodyIdleTimeout: must be greater than zero, got 0'],
  'bad-trusted-proxies': [2, 'server.trustedProxies: has 2 invalid entries: [1] "10.0.0.0/33": prefix length 33 is out of range'],
  'trusted-proxies-not-a-list': [1, 'server.trustedProxies: must be an array of IP addresses or CIDRs, not a string'],
  'bad-upstream-keep-alive': [2, 'upstream.keepAliveTimeout: must be a duration like 250ms'],
  'quoted-number': [1, 'upstream.connections: must be an integer from 1 to 65536, got "128"'],
  'bad-flag': [1, 'rateLimit.ietfHeaders: must be true or false, got "yes"'],
  'lease-lifetime-too-long': [2, 'rateLimit.leaseLifetime: must be 0 (off) or a duration from 10ms to 5000ms, got "1m"'],
  'duplicate-section': [2, 'server: duplicate key (first at line 1)'],
};

t.test('every settings fixture has an expectation and the reverse', async (t) => {
  t.same(
    readdirSync(DIR)
      .map((name) => name.replace(/\.yaml$/, ''))
      .sort(),
    Object.keys(EXPECTED).sort(),
  );
});

for (const [fixture, [line, message]] of Object.entries(EXPECTED)) {
  t.test(`settings file: ${fixture}`, async (t) => {
    const file = `${DIR}/${fixture}.yaml`;
    const problems = problemsOf(() => loadSettings({}, file));
    t.equal(problems.length, 1, 'exactly one problem');
    t.ok(problems[0]?.startsWith(`${file}:${line}: ${message}`), `got: ${problems[0]}`);
  });
}

t.test('environment and file problems are reported together', async (t) => {
  const path = writeConfig(t, 'server:\n  keepAliveTimeout: forever\nupstream: { connectTimeout: -1 }\n');
  const problems = problemsOf(() => loadSettings({ SYNC_PORT: 'x' }, path));
  t.equal(problems.length, 3);
  t.match(problems, [
    /^environment: SYNC_PORT: /,
    new RegExp(`^${path}:2: server.keepAliveTimeout: `),
    new RegExp(`^${path}:3: upstream.connectTimeout: `),
  ]);
});

t.test('a missing file is a ConfigError naming it', async (t) => {
  t.same(
    problemsOf(() => loadSettings({}, `${DIR}/nope.yaml`)),
    [`${DIR}/nope.yaml: cannot read the file (ENOENT)`],
  );
});
