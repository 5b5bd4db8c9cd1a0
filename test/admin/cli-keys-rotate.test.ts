// `keys rotate KEY_ID`: the successor works at a running admin at once, the
// old key until the grace ends (0: revoked at once); bad input changes nothing.
import t from 'tap';
import { join } from 'node:path';
import { isWellFormedKey } from '../../core/keys.js';
import { snapshotDatabase, startAdmin } from '../helpers/admin.js';
import { runCli } from '../helpers/cli.js';
import { call } from '../helpers/http.js';
import { tempDir } from '../helpers/temp.js';

const envFor = (t: Parameters<typeof tempDir>[0]) => ({ DATABASE_PATH: join(tempDir(t), 'bullseye.db') });

const HOUR_MS = 3_600_000;

t.test('rotate prints both keys; the successor and the old key work until the grace ends', async (t) => {
  const admin = await startAdmin(t);
  const env = { DATABASE_PATH: admin.dbPath };
  const created = await runCli(
    ['keys', 'create', '--org', 'acme', '--name', 'ci', '--scopes', 'read,admin', '--allowed-ips', '127.0.0.1,10.0.0.0/8'],
    env,
  );
  t.equal(created.code, 0, created.stderr);
  const old = created.json.apiKey;

  const before = Date.now();
  const rotated = await runCli(['keys', 'rotate', old.id.toUpperCase(), '--grace', '2h'], env);
  const after = Date.now();
  t.equal(rotated.code, 0, rotated.stderr);
  t.equal(rotated.stderr, '');
  const { apiKey, plainKey, previousKey } = rotated.json;
  t.same(Object.keys(rotated.json), ['apiKey', 'plainKey', 'previousKey'], 'the API document');
  t.ok(isWellFormedKey(plainKey, 'org'));
  t.equal(rotated.stdout.split(plainKey).length, 2, 'the plain key is printed once');
  t.notMatch(rotated.stdout, created.json.plainKey, 'and the old one not at all');
  t.not(apiKey.id, old.id);
  t.match(apiKey, {
    organizationId: 'acme',
    name: 'ci',
    scopes: ['read', 'admin'],
    allowedIps: ['127.0.0.1', '10.0.0.0/8'],
    expiresAt: null,
    status: 'active',
    createdByUserId: 'cli',
  });
  t.match(previousKey, { id: old.id, status: 'active' });
  const expiresAt = Date.parse(previousKey.expiresAt);
  t.ok(expiresAt >= before + 2 * HOUR_MS && expiresAt <= after + 2 * HOUR_MS, 'the old key expires at now + grace');
  t.same(admin.store.getKey(old.id)?.expiresAt, expiresAt, 'as stored');

  const path = '/api/v1/organization/acme/api-keys';
  const withNew = await call(admin.baseUrl, 'GET', path, { headers: { 'x-api-key': plainKey } });
  t.equal(withNew.status, 200, 'the successor works at once');
  const withOld = await call(admin.baseUrl, 'GET', path, { headers: { 'x-api-key': created.json.plainKey } });
  t.equal(withOld.status, 200, 'the old key works during the grace');
  t.same(
    withNew.json.apiKeys.map((k: { id: string }) => k.id),
    [old.id, apiKey.id],
  );
});

t.test('rotate: default grace 24h, --name, never past the old expiry, --grace 0 revokes', async (t) => {
  const admin = await startAdmin(t);
  const env = { DATABASE_PATH: admin.dbPath };
  const first = (await runCli(['keys', 'create', '--partner', 'p-1', '--name', 'one'], env)).json;

  const before = Date.now();
  const rotated = await runCli(['keys', 'rotate', first.apiKey.id, '--name', '  two  '], env);
  t.equal(rotated.code, 0, rotated.stderr);
  t.ok(isWellFormedKey(rotated.json.plainKey, 'partner'));
  t.match(rotated.json.apiKey, { partnerId: 'p-1', name: 'two', scopes: ['read', 'write', 'admin'] });
  t.ok(Date.parse(rotated.json.previousKey.expiresAt) >= before + 24 * HOUR_MS, 'the default grace is 24h');

  // A key expiring in an hour keeps that expiry, however long the grace.
  const expiresIn1h = new Date(Date.now() + HOUR_MS).toISOString();
  const short = (await runCli(['keys', 'create', '--partner', 'p-1', '--name', 'short', '--expires-at', expiresIn1h], env)).json;
  const capped = await runCli(['keys', 'rotate', short.apiKey.id, '--grace', '720h'], env);
  t.equal(capped.code, 0, capped.stderr);
  t.equal(capped.json.previousKey.expiresAt, short.apiKey.expiresAt, 'the earlier of its expiry and now + grace');
  t.equal(capped.json.apiKey.expiresAt, short.apiKey.expiresAt, 'the successor copies the expiry');

  const now = await runCli(['keys', 'rotate', rotated.json.apiKey.id, '--grace', '0'], env);
  t.equal(now.code, 0, now.stderr);
  t.match(now.json.previousKey, { id: rotated.json.apiKey.id, status: 'revoked' });
  const refused = await call(admin.baseUrl, 'GET', '/api/v1/partner/api-keys', {
    headers: { 'x-partner-api-key': rotated.json.plainKey },
  });
  t.equal(refused.status, 401, 'grace 0: the old key is refused at once');
  t.equal(refused.json.code, 'key_revoked');
  const successor = await call(admin.baseUrl, 'GET', '/api/v1/partner/api-keys', { headers: { 'x-partner-api-key': now.json.plainKey } });
  t.equal(successor.status, 200);
});

t.test('rotate: revoked and unknown keys are refused, exit 1, nothing printed', async (t) => {
  const env = envFor(t);
  const created = (await runCli(['keys', 'create', '--org', 'acme', '--name', 'x'], env)).json;
  t.equal((await runCli(['keys', 'revoke', created.apiKey.id], env)).code, 0);
  const state = snapshotDatabase(env.DATABASE_PATH);

  const revoked = await runCli(['keys', 'rotate', created.apiKey.id], env);
  t.equal(revoked.code, 1);
  t.match(revoked.stderr, new RegExp(`key ${created.apiKey.id} is revoked; only an active key can be rotated`));
  t.equal(revoked.stdout, '');
  const unknown = await runCli(['keys', 'rotate', '00000000-0000-4000-8000-000000000000'], env);
  t.equal(unknown.code, 1);
  t.match(unknown.stderr, /there is no API key with id 00000000-0000-4000-8000-000000000000/);
  t.equal(unknown.stdout, '');
  t.equal(snapshotDatabase(env.DATABASE_PATH), state, 'nothing changed, nothing audited');
});

t.test('rotate: usage errors exit 1, name the flag and change nothing', async (t) => {
  const env = envFor(t);
  const id = (await runCli(['keys', 'create', '--org', 'acme', '--name', 'x'], env)).json.apiKey.id;
  const state = snapshotDatabase(env.DATABASE_PATH);
  const cases: Array<[string[], RegExp]> = [
    [[id, '--grace', 'soon'], /--grace: must be a duration like 24h/],
    [[id, '--grace', '3600'], /--grace: must be a duration like 24h/],
    [[id, '--grace=-1h'], /--grace: must be a duration like 24h/],
    [[id, '--grace', '1500ms'], /--grace: must be a whole number of seconds \(write 2s\)/],
    [[id, '--grace', '721h'], /--grace: gracePeriodSeconds must be a whole number of seconds from 0 to 2592000/],
    [[id, '--grace', ''], /--grace needs a value/],
    [[id, '--name', ' '], /--name: name must not be empty/],
    [[id, '--name', 'x'.repeat(256)], /--name: name must be at most 255 characters/],
    [[id, '--grace', '721h', '--name', ' '], /--grace: gracePeriodSeconds/],
    [[id, '--rotated-by', ' '], /--rotated-by: name must not be empty/],
    [['bsk_live_x'], /not a key id/],
    [[], /missing KEY_ID/],
    [[id, id], /unexpected argument/],
  ];
  for (const [args, message] of cases) {
    const res = await runCli(['keys', 'rotate', ...args], env);
    t.equal(res.code, 1, args.join(' '));
    t.match(res.stderr, message, args.join(' '));
    t.equal(res.stdout, '', 'no key printed');
  }
  t.equal(snapshotDatabase(env.DATABASE_PATH), state, 'nothing changed, nothing audited');
});

t.test('rotate is audited as key.rotated with both ids, the grace and the actor', async (t) => {
  const env = envFor(t);
  const old = (await runCli(['keys', 'create', '--org', 'acme', '--name', 'x'], env)).json.apiKey;
  const byCli = (await runCli(['keys', 'rotate', old.id, '--grace', '90s'], env)).json.apiKey;
  const byBob = (await runCli(['keys', 'rotate', byCli.id, '--grace', '0', '--rotated-by', 'bob@ops'], env)).json.apiKey;
  t.equal(byBob.createdByUserId, 'bob@ops', "the actor is the successor's creator");
  const listed = await runCli(['audit', 'list', '--org', 'acme'], env);
  t.equal(listed.code, 0, listed.stderr);
  t.match(listed.json.auditEvents, [
    { action: 'key.created', keyId: old.id, actor: 'cli' },
    {
      action: 'key.rotated',
      keyId: byCli.id,
      actor: 'cli',
      clientAddress: null,
      details: { previousKeyId: old.id, gracePeriodSeconds: 90 },
    },
    { action: 'key.rotated', keyId: byBob.id, actor: 'bob@ops', details: { previousKeyId: byCli.id, gracePeriodSeconds: 0 } },
  ]);
  t.equal(listed.json.auditEvents.length, 3);
});
