// `keys update KEY_ID`: each change flag, the nulls (--no-expiry, --any-ip),
// conflicting flags, bad entries named by flag; refusals change nothing.
import t from 'tap';
import { join } from 'node:path';
import { snapshotDatabase, startAdmin } from '../helpers/admin.js';
import { runCli } from '../helpers/cli.js';
import { call } from '../helpers/http.js';
import { tempDir } from '../helpers/temp.js';

const envFor = (t: Parameters<typeof tempDir>[0]) => ({ DATABASE_PATH: join(tempDir(t), 'bullseye.db') });

t.test('update changes each field; a running admin sees it at once', async (t) => {
  const admin = await startAdmin(t);
  const env = { DATABASE_PATH: admin.dbPath };
  const created = (await runCli(['keys', 'create', '--org', 'acme', '--name', 'one', '--scopes', 'read,admin'], env)).json;
  const id = created.apiKey.id;
  const headers = { 'x-api-key': created.plainKey };
  const path = '/api/v1/organization/acme/api-keys';
  const update = async (...flags: string[]) => {
    const res = await runCli(['keys', 'update', id.toUpperCase(), ...flags], env);
    t.equal(res.code, 0, `${flags.join(' ')}: ${res.stderr}`);
    t.same(Object.keys(res.json), ['apiKey'], 'the API document');
    return res.json.apiKey;
  };

  t.match(await update('--name', '  renamed '), { id, name: 'renamed', scopes: ['read', 'admin'] });
  t.match(await update('--scopes', 'admin, read,write'), { scopes: ['read', 'write', 'admin'] }, 'trimmed, in canonical order');
  t.match(await update('--expires-at', '2999-01-01T00:00:00+02:00'), { expiresAt: '2998-12-31T22:00:00.000Z' });
  t.match(await update('--no-expiry'), { expiresAt: null });

  t.match(await update('--allowed-ips', '10.1.2.3/8, 2001:DB8::1'), { allowedIps: ['10.0.0.0/8', '2001:db8::1'] }, 'normalized');
  const outside = await call(admin.baseUrl, 'GET', path, { headers });
  t.equal(outside.status, 403, 'the admin refuses the key from 127.0.0.1 at once');
  t.equal(outside.json.code, 'ip_not_allowed');
  t.match(await update('--any-ip'), { allowedIps: null });
  t.equal((await call(admin.baseUrl, 'GET', path, { headers })).status, 200, 'and admits it again');

  const all = await update('--name', 'all', '--scopes', 'read', '--expires-at', '2999-01-01T00:00:00Z', '--allowed-ips', '127.0.0.1');
  t.match(all, { name: 'all', scopes: ['read'], expiresAt: '2999-01-01T00:00:00.000Z', allowedIps: ['127.0.0.1'], status: 'active' });
  t.same(admin.store.getKey(id)?.allowedIps, ['127.0.0.1'], 'as stored');
});

t.test('update: same values change nothing; agency scopes need an agency', async (t) => {
  const env = envFor(t);
  const id = (await runCli(['keys', 'create', '--org', 'acme', '--name', 'one'], env)).json.apiKey.id;
  const state = snapshotDatabase(env.DATABASE_PATH);
  const same = await runCli(['keys', 'update', id, '--name', 'one', '--any-ip', '--no-expiry'], env);
  t.equal(same.code, 0, same.stderr);
  t.match(same.stderr, /already had these values; nothing changed/);
  t.match(same.json.apiKey, { id, name: 'one' });
  t.equal(snapshotDatabase(env.DATABASE_PATH), state, 'not written, not audited');

  const agency = await runCli(['keys', 'update', id, '--scopes', 'read,agency:read'], env);
  t.equal(agency.code, 1);
  t.match(agency.stderr, /organization acme is not an agency.*orgs set acme --agency/s);
  t.equal(agency.stdout, '');
  t.equal(snapshotDatabase(env.DATABASE_PATH), state);
  t.equal((await runCli(['orgs', 'set', 'acme', '--agency'], env)).code, 0);
  const allowed = await runCli(['keys', 'update', id, '--scopes', 'read,agency:read'], env);
  t.equal(allowed.code, 0, allowed.stderr);
  t.same(allowed.json.apiKey.scopes, ['read', 'agency:read']);
});

t.test('update: revoked and unknown keys are refused, exit 1', async (t) => {
  const env = envFor(t);
  const id = (await runCli(['keys', 'create', '--partner', 'p-1', '--name', 'x'], env)).json.apiKey.id;
  t.equal((await runCli(['keys', 'revoke', id], env)).code, 0);
  const state = snapshotDatabase(env.DATABASE_PATH);
  const revoked = await runCli(['keys', 'update', id, '--name', 'y'], env);
  t.equal(revoked.code, 1);
  t.match(revoked.stderr, new RegExp(`key ${id} is revoked; a revoked key cannot be updated`));
  t.equal(revoked.stdout, '');
  const unknown = await runCli(['keys', 'update', '00000000-0000-4000-8000-000000000000', '--name', 'y'], env);
  t.equal(unknown.code, 1);
  t.match(unknown.stderr, /there is no API key with id 00000000-0000-4000-8000-000000000000/);
  t.equal(snapshotDatabase(env.DATABASE_PATH), state);
});

t.test('update: usage errors exit 1, name the flag and change nothing', async (t) => {
  const env = envFor(t);
  const org = (await runCli(['keys', 'create', '--org', 'acme', '--name', 'x'], env)).json.apiKey.id;
  const partner = (await runCli(['keys', 'create', '--partner', 'p-1', '--name', 'x'], env)).json.apiKey.id;
  const state = snapshotDatabase(env.DATABASE_PATH);
  const cases: Array<[string[], RegExp]> = [
    [[org], /nothing to update: give at least one of --name, --scopes, --expires-at, --no-expiry, --allowed-ips, --any-ip/],
    [[org, '--updated-by', 'bob'], /nothing to update/],
    [[org, '--expires-at', '2999-01-01T00:00:00Z', '--no-expiry'], /give at most one of --expires-at or --no-expiry/],
    [[org, '--allowed-ips', '10.0.0.1', '--any-ip'], /give at most one of --allowed-ips or --any-ip/],
    [[org, '--name', ' '], /--name: name must not be empty/],
    [[org, '--scopes', 'read,root'], /--scopes: unknown scope "root"/],
    [[partner, '--scopes', 'agency:read'], /--scopes: agency:read and agency:write exist only for organization keys/],
    [[org, '--expires-at', '2020-01-01T00:00:00Z'], /--expires-at: expiresAt must be in the future/],
    [[org, '--expires-at', 'next week'], /--expires-at: .*RFC 3339/],
    [
      [org, '--allowed-ips', '10.0.0.0/33,example.com'],
      /--allowed-ips: allowedIps has 2 invalid entries: .*"10\.0\.0\.0\/33".*"example\.com"/s,
    ],
    [[org, '--allowed-ips', '10.0.0.1, 10.0.0.1'], /--allowed-ips: .*duplicate/],
    [[org, '--allowed-ips', Array.from({ length: 101 }, (_, i) => `10.0.0.${i}`).join(',')], /--allowed-ips: .*100/],
    [[org, '--name', 'ok', '--allowed-ips', '::ffff:1.2.3.4/200'], /--allowed-ips: /],
    [[org, '--name', ' ', '--allowed-ips', 'nope'], /--name: name must not be empty/],
    [[org, '--no-expiry', 'yes'], /unexpected argument 'yes'/],
    [[org, '--updated-by', ' ', '--name', 'y'], /--updated-by: name must not be empty/],
    [[org, '--status', 'active'], /Unknown option '--status'/],
    [['bsk_live_x', '--name', 'y'], /not a key id/],
    [['--name', 'y'], /missing KEY_ID/],
  ];
  for (const [args, message] of cases) {
    const res = await runCli(['keys', 'update', ...args], env);
    t.equal(res.code, 1, args.join(' ').slice(0, 100));
    t.match(res.stderr, message, args.join(' ').slice(0, 100));
    t.equal(res.stdout, '', 'no key printed');
  }
  t.equal(snapshotDatabase(env.DATABASE_PATH), state, 'nothing changed, nothing audited');
});

t.test('update is audited as key.updated with the changed fields and the actor', async (t) => {
  const env = envFor(t);
  const id = (await runCli(['keys', 'create', '--org', 'acme', '--name', 'x'], env)).json.apiKey.id;
  t.equal((await runCli(['keys', 'update', id, '--name', 'y', '--scopes', 'read,write', '--allowed-ips', '10.0.0.1'], env)).code, 0);
  t.equal((await runCli(['keys', 'update', id, '--any-ip', '--updated-by', 'alice@ops'], env)).code, 0);
  const listed = await runCli(['audit', 'list', '--org', 'acme'], env);
  t.equal(listed.code, 0, listed.stderr);
  t.match(listed.json.auditEvents, [
    { action: 'key.created', keyId: id },
    { action: 'key.updated', keyId: id, actor: 'cli', clientAddress: null, details: { fields: ['name', 'allowedIps'] } },
    { action: 'key.updated', keyId: id, actor: 'alice@ops', details: { fields: ['allowedIps'] } },
  ]);
  t.equal(listed.json.auditEvents.length, 3);
});
