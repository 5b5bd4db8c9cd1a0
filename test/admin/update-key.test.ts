// PATCH .../api-keys/{keyId} over the real admin: 200 {apiKey} with the
// changed name, scopes, expiry or allowlist (normalized); only real changes
// are written and audited. Revoked keys are 409, foreign ids 404, scope
// changes the caller could not make itself 403, and each bad body a 400 that
// changes neither the database nor the audit log. allowedIps on create too.
import { randomUUID } from 'node:crypto';
import t from 'tap';
import { startAdmin, type AdminHarness } from '../helpers/admin.js';
import { call, type CallResult } from '../helpers/http.js';
import { createTestKey, type TestKey } from '../helpers/keys.js';
import { expectMatchesSpec } from '../helpers/openapi.js';

type Tap = Parameters<typeof expectMatchesSpec>[0];

const ORG = '/api/v1/organization/acme/api-keys';
const PARTNER = '/api/v1/partner/api-keys';

async function patch(t: Tap, admin: AdminHarness, base: string, caller: TestKey, keyId: string, body: unknown): Promise<CallResult> {
  const path = `${base}/${keyId}`;
  const headers = { ...caller.headers, ...(typeof body === 'string' ? { 'content-type': 'application/json' } : {}) };
  const res = await call(admin.baseUrl, 'PATCH', path, { headers, body });
  expectMatchesSpec(t, `PATCH ${path}`, res);
  return res;
}

const auditCount = (admin: AdminHarness): number => admin.store.auditEvents({ limit: 1_000_000 }).length;
const unchanged = (admin: AdminHarness): unknown[] => [admin.snapshot(), admin.store.currentSeq(), auditCount(admin)];

t.test('each field can be changed; only real changes are written and audited', async (t) => {
  const admin = await startAdmin(t);
  const caller = createTestKey(admin.store, { org: 'acme' });
  const victim = createTestKey(admin.store, { org: 'acme', scopes: ['read'] });
  const expiresAt = '2030-01-31T00:00:00Z';
  const res = await patch(t, admin, ORG, caller, victim.id, {
    name: '  renamed ',
    scopes: ['write', 'read'],
    expiresAt,
    allowedIps: ['10.1.2.3/8', '::ffff:192.0.2.1', '2001:DB8::/32'],
  });
  t.equal(res.status, 200);
  t.same(Object.keys(res.json), ['apiKey'], 'no plain key');
  t.match(res.json.apiKey, { id: victim.id, name: 'renamed', scopes: ['read', 'write'], expiresAt: '2030-01-31T00:00:00.000Z' });
  t.same(res.json.apiKey.allowedIps, ['10.0.0.0/8', '192.0.2.1', '2001:db8::/32'], 'normalized');
  t.match(admin.store.auditEvents({ limit: 1 })[0], {
    action: 'key.updated',
    keyId: victim.id,
    actor: `key_${caller.id}`,
    details: { fields: ['name', 'scopes', 'expiresAt', 'allowedIps'] },
  });

  const cleared = await patch(t, admin, ORG, caller, victim.id, { expiresAt: null, allowedIps: null });
  t.match(cleared.json.apiKey, { expiresAt: null, allowedIps: null, name: 'renamed' });
  t.match(admin.store.auditEvents({ limit: 1 })[0], { details: { fields: ['expiresAt', 'allowedIps'] } });

  const before = unchanged(admin);
  const same = await patch(t, admin, ORG, caller, victim.id, { name: 'renamed', scopes: ['read', 'write'] });
  t.equal(same.status, 200, 'the same values: 200 with the key as it is');
  t.same(unchanged(admin), before, 'nothing written, nothing audited');
  t.equal((await call(admin.baseUrl, 'GET', ORG, { headers: victim.headers })).status, 200, 'the key still works');
});

t.test('a revoked key is 409 key_inactive and nothing changes', async (t) => {
  const admin = await startAdmin(t);
  const caller = createTestKey(admin.store, { partner: 'p-1' });
  const revoked = createTestKey(admin.store, { partner: 'p-1' });
  admin.store.revokeKey(revoked.id);
  const before = unchanged(admin);
  const res = await patch(t, admin, PARTNER, caller, revoked.id, { name: 'x' });
  t.equal(res.status, 409);
  t.match(res.json, { code: 'key_inactive', detail: /revoked/ });
  t.same(unchanged(admin), before, 'the database and the audit log are unchanged');
});

t.test("unknown, malformed and other owners' ids are 404; the other family's too", async (t) => {
  const admin = await startAdmin(t);
  const caller = createTestKey(admin.store, { org: 'acme' });
  const other = createTestKey(admin.store, { org: 'globex' });
  const partner = createTestKey(admin.store, { partner: 'p-1' });
  const before = unchanged(admin);
  const cases: Array<[string, string, TestKey, string]> = [
    ['unknown', ORG, caller, randomUUID()],
    ['not a UUID', ORG, caller, 'nope'],
    ["another organization's key", ORG, caller, other.id],
    ['a partner key on the organization route', ORG, caller, partner.id],
    ['an organization key on the partner route', PARTNER, partner, caller.id],
  ];
  for (const [label, base, who, keyId] of cases) {
    const res = await patch(t, admin, base, who, keyId, { name: 'taken over' });
    t.equal(res.status, 404, label);
    t.equal(res.json.code, 'not_found', label);
  }
  t.same(unchanged(admin), before, 'the database and the audit log are unchanged');
});

t.test('a key can neither grant nor remove scopes it does not hold', async (t) => {
  const admin = await startAdmin(t);
  const BASE = '/api/v1/organization/agency-co/api-keys';
  const victim = createTestKey(admin.store, { org: 'agency-co', agency: true, scopes: ['read', 'agency:read'] });
  const caller = createTestKey(admin.store, { org: 'agency-co', scopes: ['read', 'write', 'admin'] });
  const before = unchanged(admin);
  for (const [label, scopes, missing] of [
    ['removing', ['read'], ['agency:read']],
    ['granting', ['read', 'agency:read', 'agency:write'], ['agency:write']],
  ] as const) {
    const res = await patch(t, admin, BASE, caller, victim.id, { scopes });
    t.equal(res.status, 403, label);
    t.match(res.json, { code: 'scope_escalation', missingScopes: missing }, label);
  }
  t.same(unchanged(admin), before, 'the database and the audit log are unchanged');
  const held = await patch(t, admin, BASE, caller, victim.id, { scopes: ['read', 'write', 'agency:read'], name: 'renamed' });
  t.equal(held.status, 200, 'changing only scopes it holds is allowed');
  t.same(held.json.apiKey.scopes, ['read', 'write', 'agency:read']);
});

const ENTRIES_101 = Array.from({ length: 101 }, (_, i) => `10.0.${Math.floor(i / 256)}.${i % 256}`);
const MEMBERS = 'allowed: name, scopes, expiresAt, allowedIps, rateLimits, quota';
// [label, body, detail]: each a 400 invalid_body (unless malformed JSON)
const BAD: Array<[string, unknown, string | RegExp]> = [
  ['an IPv4 prefix over 32', { allowedIps: ['10.0.0.0/33'] }, /\[0\] "10\.0\.0\.0\/33": prefix length 33 is out of range 0–32/],
  ['an IPv6 prefix over 128', { allowedIps: ['::ffff:1.2.3.4/200'] }, /\[0\] "::ffff:1\.2\.3\.4\/200": prefix length 200/],
  ['a hostname', { allowedIps: ['api.example.com'] }, /\[0\] "api\.example\.com": .*hostnames/],
  ['101 entries', { allowedIps: ENTRIES_101 }, 'allowedIps has 101 entries; at most 100 are allowed'],
  ['duplicate entries', { allowedIps: ['10.0.0.1', '10.0.0.1/32'] }, /\[1\] "10\.0\.0\.1\/32" duplicates \[0\] "10\.0\.0\.1"/],
  [
    'several bad entries, each named',
    { allowedIps: ['10.0.0.0/33', '192.0.2.1', 'localhost'] },
    /2 invalid entries: \[0\] .*; \[2\] "localhost"/,
  ],
  ['an empty allowlist', { allowedIps: [] }, 'allowedIps must not be empty; use null to allow any address'],
  ['an allowlist as a string', { allowedIps: '10.0.0.1' }, /allowedIps must be an array/],
  ['status', { status: 'active' }, `unknown field "status"; ${MEMBERS}`],
  ['id', { id: randomUUID() }, `unknown field "id"; ${MEMBERS}`],
  ['keyPrefix', { keyPrefix: 'bsk_live_0000' }, `unknown field "keyPrefix"; ${MEMBERS}`],
  ['organizationId', { name: 'x', organizationId: 'globex' }, `unknown field "organizationId"; ${MEMBERS}`],
  ['an empty body', {}, 'nothing to update: send at least one of name, scopes, expiresAt, allowedIps, rateLimits, quota'],
  ['no body at all', undefined, 'the body must be a JSON object'],
  ['a blank name', { name: ' ' }, 'name must not be empty'],
  ['a name with a bidi control', { name: 'a\u202eb' }, /bidirectional control/],
  ['an unknown scope', { scopes: ['root'] }, /unknown scope "root"/],
  ['agency scopes for a standard organization', { scopes: ['agency:read'] }, /only available to agency organizations/],
  ['an expiry in the past', { expiresAt: '2020-01-01T00:00:00Z' }, 'expiresAt must be in the future'],
  ['an expiry without a zone', { expiresAt: '2030-01-01T00:00:00' }, /RFC 3339/],
  ['a JSON array', [{ name: 'x' }], 'the body must be a JSON object'],
];

t.test('each bad body gets its 400 and changes nothing; the service keeps serving', async (t) => {
  const admin = await startAdmin(t);
  const caller = createTestKey(admin.store, { org: 'acme' });
  const victim = createTestKey(admin.store, { org: 'acme' });
  const before = unchanged(admin);
  for (const [label, body, detail] of BAD) {
    const res = await patch(t, admin, ORG, caller, victim.id, body);
    t.equal(res.status, 400, label);
    t.equal(res.json?.code, 'invalid_body', label);
    if (typeof detail === 'string') t.equal(res.json?.detail, detail, label);
    else t.match(res.json?.detail, detail, label);
  }
  const malformed = await patch(t, admin, ORG, caller, victim.id, '{"name":');
  t.equal(malformed.json.code, 'invalid_json');
  t.same(unchanged(admin), before, 'the database and the audit log are unchanged');
  t.equal((await patch(t, admin, ORG, caller, victim.id, { name: 'fine' })).status, 200, 'the service keeps serving');
});

t.test('partner keys: agency scopes are refused by name', async (t) => {
  const admin = await startAdmin(t);
  const caller = createTestKey(admin.store, { partner: 'p-1' });
  const res = await patch(t, admin, PARTNER, caller, caller.id, { scopes: ['read', 'agency:read'] });
  t.equal(res.status, 400);
  t.equal(res.json.detail, 'agency:read and agency:write exist only for organization keys');
});

t.test('create takes allowedIps too, normalized; bad entries are 400 and create nothing', async (t) => {
  const admin = await startAdmin(t);
  const caller = createTestKey(admin.store, { org: 'acme' });
  const created = await call(admin.baseUrl, 'POST', ORG, {
    headers: caller.headers,
    body: { name: 'bound', allowedIps: ['192.0.2.0/24', '::FFFF:198.51.100.7'] },
  });
  t.equal(created.status, 201);
  expectMatchesSpec(t, `POST ${ORG}`, created);
  t.same(created.json.apiKey.allowedIps, ['192.0.2.0/24', '198.51.100.7']);
  const open = await call(admin.baseUrl, 'POST', ORG, { headers: caller.headers, body: { name: 'open' } });
  t.equal(open.json.apiKey.allowedIps, null, 'absent: any address');
  const before = unchanged(admin);
  const bad = await call(admin.baseUrl, 'POST', ORG, { headers: caller.headers, body: { name: 'x', allowedIps: ['10.0.0.0/33'] } });
  t.equal(bad.status, 400);
  t.match(bad.json, { code: 'invalid_body', detail: /10\.0\.0\.0\/33/ });
  expectMatchesSpec(t, `POST ${ORG}`, bad);
  t.same(unchanged(admin), before);
});
