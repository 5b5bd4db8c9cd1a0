// `keys create | list | revoke` in-process against a temp database, and
// against a running admin service sharing it.
import t from 'tap';
import { join } from 'node:path';
import { isWellFormedKey } from '../../core/keys.js';
import { startAdmin } from '../helpers/admin.js';
import { runCli } from '../helpers/cli.js';
import { call } from '../helpers/http.js';
import { tempDir } from '../helpers/temp.js';

const envFor = (t: Parameters<typeof tempDir>[0]) => ({ DATABASE_PATH: join(tempDir(t), 'data', 'bullseye.db') });

t.test('keys create bootstraps a key the admin API accepts', async (t) => {
  const admin = await startAdmin(t);
  const env = { DATABASE_PATH: admin.dbPath };
  const created = await runCli(['keys', 'create', '--org', 'acme', '--name', 'bootstrap', '--scopes', 'read,write,admin'], env);
  t.equal(created.code, 0, created.stderr);
  t.equal(created.stderr, `database: ${admin.dbPath}\n`, 'only the database path');
  const { apiKey, plainKey } = created.json;
  t.ok(isWellFormedKey(plainKey, 'org'));
  t.match(apiKey, {
    organizationId: 'acme',
    name: 'bootstrap',
    scopes: ['read', 'write', 'admin'],
    createdByUserId: 'cli',
    status: 'active',
  });
  t.same(admin.store.getOrganization('acme')?.agency, false, 'the unknown organization was registered as standard');

  const list = await call(admin.baseUrl, 'GET', '/api/v1/organization/acme/api-keys', { headers: { 'x-api-key': plainKey } });
  t.equal(list.status, 200);
  t.same(
    list.json.apiKeys.map((k: { id: string }) => k.id),
    [apiKey.id],
  );
});

t.test('keys create: partner keys, defaults, --created-by and --expires-at', async (t) => {
  const env = envFor(t);
  const partner = await runCli(['keys', 'create', '--partner', 'p-1', '--name', 'reseller', '--created-by', 'ops@acme'], env);
  t.equal(partner.code, 0, partner.stderr);
  t.ok(isWellFormedKey(partner.json.plainKey, 'partner'));
  t.match(partner.json.apiKey, { partnerId: 'p-1', scopes: ['read', 'write', 'admin'], createdByUserId: 'ops@acme' });
  const org = await runCli(['keys', 'create', '--org', 'acme', '--name', 'x', '--expires-at', '2999-01-01T00:00:00+02:00'], env);
  t.equal(org.code, 0, org.stderr);
  t.match(org.json.apiKey, { scopes: ['read', 'write'], expiresAt: '2998-12-31T22:00:00.000Z' });
});

t.test('keys create: --allowed-ips is normalized, and the admin enforces it', async (t) => {
  const admin = await startAdmin(t);
  const env = { DATABASE_PATH: admin.dbPath };
  const created = await runCli(['keys', 'create', '--org', 'acme', '--name', 'x', '--allowed-ips', '10.1.2.3/8, ::FFFF:127.0.0.1'], env);
  t.equal(created.code, 0, created.stderr);
  t.same(created.json.apiKey.allowedIps, ['10.0.0.0/8', '127.0.0.1']);
  const headers = { 'x-api-key': created.json.plainKey };
  t.equal((await call(admin.baseUrl, 'GET', '/api/v1/organization/acme/api-keys', { headers })).status, 200, 'from 127.0.0.1');
  const outside = await runCli(['keys', 'create', '--org', 'acme', '--name', 'y', '--allowed-ips', '10.0.0.0/8'], env);
  const refused = await call(admin.baseUrl, 'GET', '/api/v1/organization/acme/api-keys', {
    headers: { 'x-api-key': outside.json.plainKey },
  });
  t.equal(refused.status, 403);
  t.equal(refused.json.code, 'ip_not_allowed');
  const anyAddress = await runCli(['keys', 'create', '--org', 'acme', '--name', 'z'], env);
  t.equal(anyAddress.json.apiKey.allowedIps, null, 'default: any address');
});

t.test('keys create: agency scopes need an agency organization', async (t) => {
  const env = envFor(t);
  const refused = await runCli(['keys', 'create', '--org', 'acme', '--name', 'x', '--scopes', 'agency:read'], env);
  t.equal(refused.code, 1);
  t.match(refused.stderr, /not an agency.*orgs add acme --agency/s);
  t.equal(refused.stdout, '');
  t.equal((await runCli(['orgs', 'add', 'big-agency', '--agency'], env)).code, 0);
  const allowed = await runCli(['keys', 'create', '--org', 'big-agency', '--name', 'x', '--scopes', 'agency:read,agency:write'], env);
  t.equal(allowed.code, 0, allowed.stderr);
  t.same(allowed.json.apiKey.scopes, ['agency:read', 'agency:write']);
});

t.test('keys create: usage errors exit 1 and print nothing to stdout', async (t) => {
  const env = envFor(t);
  const cases: Array<[string[], RegExp]> = [
    [['--name', 'x'], /exactly one of --org/],
    [['--org', 'a', '--partner', 'b', '--name', 'x'], /exactly one of --org/],
    [['--org', 'acme'], /--name is required/],
    [['--org', 'acme', '--name', '  '], /--name: name must not be empty/],
    [['--org', 'acme', '--name'], /argument missing|needs a value/],
    [['--org', 'ac.me', '--name', 'x'], /organization id must be/],
    [['--partner', 'a'.repeat(65), '--name', 'x'], /partner id must be/],
    [['--org', 'acme', '--name', 'x', '--scopes', 'read,root'], /--scopes: unknown scope "root"/],
    [['--org', 'acme', '--name', 'x', '--scopes', 'read,read'], /--scopes: duplicate scope/],
    [['--org', 'acme', '--name', 'x', '--expires-at', '2020-01-01T00:00:00Z'], /--expires-at: expiresAt must be in the future/],
    [['--org', 'acme', '--name', 'x', '--expires-at', 'next week'], /--expires-at: .*RFC 3339/],
    // The rest are the API's body rules (admin/create-key-body.ts), named by flag.
    [['--org', 'acme', '--name', 'a\u0007b'], /--name: name must not contain control characters/],
    [['--org', 'acme', '--name', 'x'.repeat(256)], /--name: name must be at most 255 characters/],
    [
      ['--partner', 'p-1', '--name', 'x', '--scopes', 'read,agency:read'],
      /--scopes: agency:read and agency:write exist only for organization keys/,
    ],
    [['--org', 'acme', '--name', 'x', '--scopes', 'read,'], /--scopes: unknown scope ""/],
    [['--org', 'acme', '--name', 'x', '--expires-at', '2999-01-31 00:00:00Z'], /--expires-at: expiresAt must be an RFC 3339 date-time/],
    [['--org', 'acme', '--name', ' ', '--scopes', 'root', '--expires-at', 'never'], /--name: name must not be empty/],
    [['--org', 'acme', '--name', 'x', '--scopes', 'root', '--expires-at', 'never'], /--scopes: unknown scope "root"/],
    [
      ['--org', 'acme', '--name', 'x', '--allowed-ips', '10.0.0.0/33'],
      /--allowed-ips: allowedIps has an invalid entry: \[0\] "10\.0\.0\.0\/33"/,
    ],
    [['--org', 'acme', '--name', 'x', '--allowed-ips', 'example.com'], /--allowed-ips: allowedIps has an invalid entry: .*hostnames/],
    [['--org', 'acme', '--name', 'x', '--allowed-ips', '10.0.0.1,10.0.0.1/32'], /--allowed-ips: .*duplicates/],
    [['--org', 'acme', '--name', 'x', '--scopes', 'root', '--allowed-ips', 'nope'], /--scopes: unknown scope "root"/],
    [['--org', 'acme', '--name', 'x', '--created-by', ' '], /--created-by: name must not be empty/],
    [['--org', 'acme', '--name', 'x', '--admin'], /Unknown option '--admin'/],
    [['--org', 'acme', '--name', 'x', 'extra'], /Unexpected argument|unexpected argument/],
  ];
  for (const [args, message] of cases) {
    const res = await runCli(['keys', 'create', ...args], env);
    t.equal(res.code, 1, args.join(' '));
    t.match(res.stderr, message, args.join(' '));
    t.match(res.stderr, /--help/, 'points at --help');
    t.equal(res.stdout, '', 'no key printed');
  }
});

t.test('keys list prints what the API lists', async (t) => {
  const admin = await startAdmin(t);
  const env = { DATABASE_PATH: admin.dbPath };
  const created = await runCli(['keys', 'create', '--org', 'acme', '--name', 'one'], env);
  const listed = await runCli(['keys', 'list', '--org', 'acme'], env);
  t.equal(listed.code, 0);
  t.same(listed.json, { apiKeys: [created.json.apiKey] });
  t.notMatch(listed.stdout, created.json.plainKey);
  const none = await runCli(['keys', 'list', '--partner', 'nobody'], env);
  t.same(none.json, { apiKeys: [] });
  t.equal((await runCli(['keys', 'list'], env)).code, 1);
});

t.test('keys revoke: immediate for a running admin, idempotent, unknown ids refused', async (t) => {
  const admin = await startAdmin(t);
  const env = { DATABASE_PATH: admin.dbPath };
  const created = await runCli(['keys', 'create', '--partner', 'p-1', '--name', 'one'], env);
  const headers = { 'x-partner-api-key': created.json.plainKey };
  t.equal((await call(admin.baseUrl, 'GET', '/api/v1/partner/api-keys', { headers })).status, 200);

  const revoked = await runCli(['keys', 'revoke', created.json.apiKey.id], env);
  t.equal(revoked.code, 0, revoked.stderr);
  t.match(revoked.json.apiKey, { id: created.json.apiKey.id, status: 'revoked' });
  const next = await call(admin.baseUrl, 'GET', '/api/v1/partner/api-keys', { headers });
  t.equal(next.status, 401, 'the very next request is refused');
  t.equal(next.json.code, 'key_revoked');

  const again = await runCli(['keys', 'revoke', created.json.apiKey.id.toUpperCase()], env);
  t.equal(again.code, 0);
  t.match(again.stderr, /already revoked/);
  const unknown = await runCli(['keys', 'revoke', '00000000-0000-4000-8000-000000000000'], env);
  t.equal(unknown.code, 1);
  t.match(unknown.stderr, /no API key with id/);
  const malformed = await runCli(['keys', 'revoke', 'bsk_live_x'], env);
  t.equal(malformed.code, 1);
  t.match(malformed.stderr, /not a key id/);
  t.equal((await runCli(['keys', 'revoke'], env)).code, 1, 'KEY_ID is required');
});
