// POST .../api-keys/{keyId}/rotate over the real admin: 201 with the successor
// (the rotated key's scopes, name, expiry and allowlist), its plain key and
// the rotated key as it now is; the rotated key works until the grace ends
// (then 401 key_expired), grace 0 revokes it at once, a key may rotate
// itself. Bad input, inactive keys, foreign ids and escalation change nothing.
import { randomUUID } from 'node:crypto';
import t from 'tap';
import { startAdmin, type AdminHarness } from '../helpers/admin.js';
import { call, type CallResult } from '../helpers/http.js';
import { createTestKey, type TestKey } from '../helpers/keys.js';
import { expectMatchesSpec } from '../helpers/openapi.js';

type Tap = Parameters<typeof expectMatchesSpec>[0];

const ORG = '/api/v1/organization/acme/api-keys';
const PARTNER = '/api/v1/partner/api-keys';
const DAY_MS = 86_400_000;
const iso = (ms: number): string => new Date(ms).toISOString();

async function rotate(
  t: Tap,
  admin: AdminHarness,
  base: string,
  caller: { headers: Record<string, string> },
  keyId: string,
  body?: unknown,
): Promise<CallResult> {
  const path = `${base}/${keyId}/rotate`;
  const res = await call(admin.baseUrl, 'POST', path, { headers: caller.headers, ...(body === undefined ? {} : { body }) });
  expectMatchesSpec(t, `POST ${path}`, res);
  return res;
}

const status = async (admin: AdminHarness, base: string, key: { headers: Record<string, string> }): Promise<CallResult> =>
  call(admin.baseUrl, 'GET', base, { headers: key.headers });

const auditCount = (admin: AdminHarness): number => admin.store.auditEvents({ limit: 1_000_000 }).length;

t.test('the successor copies the key; the old one works until the grace ends, then is 401 key_expired', async (t) => {
  const admin = await startAdmin(t);
  const caller = createTestKey(admin.store, { org: 'acme' });
  const created = admin.store.createKey({
    family: 'org',
    ownerId: 'acme',
    name: 'ci pipeline',
    scopes: ['read'],
    expiresAt: null,
    allowedIps: ['127.0.0.0/8'],
    createdBy: 'test',
  });
  if (!created.ok) throw new Error(created.reason);
  const old = { headers: { 'x-api-key': created.plainKey } };
  const now = admin.clock.now();

  const res = await rotate(t, admin, ORG, caller, created.key.id); // no body: the defaults
  t.equal(res.status, 201);
  const { apiKey, plainKey, previousKey } = res.json;
  t.not(apiKey.id, created.key.id, 'a new key');
  t.match(plainKey, /^bsk_live_[0-9a-f]+$/);
  t.equal(plainKey.startsWith(apiKey.keyPrefix), true);
  t.match(apiKey, { organizationId: 'acme', name: 'ci pipeline', scopes: ['read'], status: 'active', expiresAt: null });
  t.same(apiKey.allowedIps, ['127.0.0.0/8'], 'the allowlist is copied');
  t.equal(apiKey.createdByUserId, `key_${caller.id}`);
  t.match(previousKey, { id: created.key.id, status: 'active', expiresAt: iso(now + DAY_MS) }, 'the default grace is a day');
  t.notMatch(JSON.stringify(previousKey), /plainKey|hash/);

  const [event] = admin.store.auditEvents({ limit: 1 });
  t.match(event, {
    action: 'key.rotated',
    keyId: apiKey.id,
    actor: `key_${caller.id}`,
    details: { previousKeyId: created.key.id, gracePeriodSeconds: 86_400 },
  });

  t.equal((await status(admin, ORG, { headers: { 'x-api-key': plainKey } })).status, 200, 'the successor works at once');
  admin.clock.advance(DAY_MS - 1);
  t.equal((await status(admin, ORG, old)).status, 200, 'the old key works until the grace ends');
  admin.clock.advance(1);
  const expired = await status(admin, ORG, old);
  t.equal(expired.status, 401);
  t.equal(expired.json.code, 'key_expired');
  expectMatchesSpec(t, `GET ${ORG}`, expired);
  t.equal((await status(admin, ORG, { headers: { 'x-api-key': plainKey } })).status, 200, 'the successor still works');
  const listed = await status(admin, ORG, caller);
  t.equal(listed.json.apiKeys.filter((k: { allowedIps: unknown }) => Array.isArray(k.allowedIps)).length, 2, 'both listed');
});

t.test('grace 0 revokes the rotated key at once; a name is the successor’s', async (t) => {
  const admin = await startAdmin(t);
  const caller = createTestKey(admin.store, { partner: 'p-1' });
  const victim = createTestKey(admin.store, { partner: 'p-1', scopes: ['read'], name: 'old name' });
  const res = await rotate(t, admin, PARTNER, caller, victim.id, { gracePeriodSeconds: 0, name: '  new name ' });
  t.equal(res.status, 201);
  t.match(res.json.plainKey, /^pk_live_/);
  t.match(res.json.apiKey, { partnerId: 'p-1', name: 'new name', scopes: ['read'] });
  t.equal(res.json.previousKey.status, 'revoked');
  const refused = await status(admin, PARTNER, victim);
  t.equal(refused.status, 401);
  t.equal(refused.json.code, 'key_revoked', 'refused on the very next request');
  t.match(admin.store.auditEvents({ limit: 1 })[0], { details: { previousKeyId: victim.id, gracePeriodSeconds: 0 } });
});

t.test('the grace never outlives the key: the earlier of its expiry and now + grace', async (t) => {
  const admin = await startAdmin(t);
  const caller = createTestKey(admin.store, { org: 'acme' });
  const expiresAt = admin.clock.now() + 3_600_000;
  const victim = createTestKey(admin.store, { org: 'acme', expiresAt });
  const res = await rotate(t, admin, ORG, caller, victim.id, { gracePeriodSeconds: 2_592_000 });
  t.equal(res.status, 201);
  t.equal(res.json.previousKey.expiresAt, iso(expiresAt));
  t.equal(res.json.apiKey.expiresAt, iso(expiresAt), 'the successor keeps the expiry');
  const short = await rotate(t, admin, ORG, caller, res.json.apiKey.id, { gracePeriodSeconds: 60 });
  t.equal(short.json.previousKey.expiresAt, iso(admin.clock.now() + 60_000));
});

t.test('a key may rotate itself: its successor is returned and it works until the grace ends', async (t) => {
  const admin = await startAdmin(t);
  const caller = createTestKey(admin.store, { org: 'acme' });
  const res = await rotate(t, admin, ORG, caller, caller.id, { gracePeriodSeconds: 600 });
  t.equal(res.status, 201);
  t.equal(res.json.previousKey.id, caller.id);
  t.same(res.json.apiKey.scopes, ['read', 'write', 'admin']);
  const successor = { headers: { 'x-api-key': res.json.plainKey as string } };
  t.equal((await status(admin, ORG, caller)).status, 200, 'the acting key keeps working');
  t.equal((await status(admin, ORG, successor)).status, 200);
  admin.clock.advance(600_000);
  t.equal((await status(admin, ORG, caller)).json.code, 'key_expired');
  const again = await rotate(t, admin, ORG, successor, res.json.apiKey.id, { gracePeriodSeconds: 0 });
  t.equal(again.status, 201, 'the successor can rotate itself with grace 0');
  t.equal((await status(admin, ORG, successor)).json.code, 'key_revoked');
});

t.test('revoked and expired keys are 409 key_inactive and nothing changes', async (t) => {
  const admin = await startAdmin(t);
  const caller = createTestKey(admin.store, { org: 'acme' });
  const revoked = createTestKey(admin.store, { org: 'acme' });
  admin.store.revokeKey(revoked.id);
  const expiring = createTestKey(admin.store, { org: 'acme', expiresAt: admin.clock.now() + 1_000 });
  admin.clock.advance(1_000);
  const before = [admin.snapshot(), auditCount(admin)];
  for (const [victim, word] of [
    [revoked, /revoked/],
    [expiring, /expired/],
  ] as const) {
    const res = await rotate(t, admin, ORG, caller, victim.id);
    t.equal(res.status, 409);
    t.equal(res.json.code, 'key_inactive');
    t.match(res.json.detail, word);
  }
  t.same([admin.snapshot(), auditCount(admin)], before, 'the database and the audit log are unchanged');
});

t.test("unknown, malformed and other owners' ids are 404; the other family's too", async (t) => {
  const admin = await startAdmin(t);
  const caller = createTestKey(admin.store, { org: 'acme' });
  const other = createTestKey(admin.store, { org: 'globex' });
  const partner = createTestKey(admin.store, { partner: 'p-1' });
  const otherPartner = createTestKey(admin.store, { partner: 'p-2' });
  const before = [admin.snapshot(), auditCount(admin)];
  const cases: Array<[string, string, TestKey, string]> = [
    ['unknown', ORG, caller, randomUUID()],
    ['not a UUID', ORG, caller, 'not-a-uuid'],
    ["another organization's key", ORG, caller, other.id],
    ['a partner key on the organization route', ORG, caller, partner.id],
    ['an organization key on the partner route', PARTNER, partner, caller.id],
    ["another partner's key", PARTNER, partner, otherPartner.id],
  ];
  for (const [label, base, who, keyId] of cases) {
    const res = await rotate(t, admin, base, who, keyId);
    t.equal(res.status, 404, label);
    t.equal(res.json.code, 'not_found', label);
  }
  t.same([admin.snapshot(), auditCount(admin)], before, 'the database and the audit log are unchanged');
  t.equal((await status(admin, '/api/v1/organization/globex/api-keys', other)).status, 200, 'the other key still works');
});

t.test('a key cannot rotate a key with scopes it does not hold (403 scope_escalation)', async (t) => {
  const admin = await startAdmin(t);
  const victim = createTestKey(admin.store, { org: 'agency-co', agency: true, scopes: ['read', 'agency:read'] });
  const caller = createTestKey(admin.store, { org: 'agency-co' });
  const before = [admin.snapshot(), auditCount(admin)];
  const res = await rotate(t, admin, '/api/v1/organization/agency-co/api-keys', caller, victim.id);
  t.equal(res.status, 403);
  t.match(res.json, { code: 'scope_escalation', missingScopes: ['agency:read'] });
  t.same([admin.snapshot(), auditCount(admin)], before, 'the database and the audit log are unchanged');
});

const GRACE = 'gracePeriodSeconds must be a whole number of seconds from 0 to 2592000 (30 days)';
// [label, body (object → JSON, string → as is), status, code, detail]
const BAD: Array<[string, unknown, number, string, string | RegExp]> = [
  ['a negative grace', { gracePeriodSeconds: -1 }, 400, 'invalid_body', GRACE],
  ['a grace over 30 days', { gracePeriodSeconds: 2_592_001 }, 400, 'invalid_body', GRACE],
  ['a fractional grace', { gracePeriodSeconds: 1.5 }, 400, 'invalid_body', GRACE],
  ['a grace as a string', { gracePeriodSeconds: '60' }, 400, 'invalid_body', GRACE],
  ['a null grace', { gracePeriodSeconds: null }, 400, 'invalid_body', GRACE],
  ['a blank name', { name: '  ' }, 400, 'invalid_body', 'name must not be empty'],
  ['a numeric name', { name: 42 }, 400, 'invalid_body', 'name must be a string'],
  ['a name with a control character', { name: 'a\u0007b' }, 400, 'invalid_body', 'name must not contain control characters'],
  ['a 256-character name', { name: 'n'.repeat(256) }, 400, 'invalid_body', 'name must be at most 255 characters'],
  ['a previousKey member', { previousKey: 'x' }, 400, 'invalid_body', /unknown field "previousKey"; allowed: gracePeriodSeconds, name/],
  ['scopes (not copied from the body)', { scopes: ['read'] }, 400, 'invalid_body', /unknown field "scopes"/],
  ['a JSON array', [], 400, 'invalid_body', 'the body must be a JSON object'],
  ['JSON null', 'null', 400, 'invalid_body', 'the body must be a JSON object'],
  ['malformed JSON', '{"gracePeriodSeconds":', 400, 'invalid_json', /not valid JSON/],
];

t.test('each bad body gets its 400 and changes nothing; the service keeps serving', async (t) => {
  const admin = await startAdmin(t);
  const caller = createTestKey(admin.store, { org: 'acme' });
  const victim = createTestKey(admin.store, { org: 'acme' });
  const before = [admin.snapshot(), admin.store.currentSeq(), auditCount(admin)];
  for (const [label, body, code, problem, detail] of BAD) {
    const headers = { ...caller.headers, ...(typeof body === 'string' ? { 'content-type': 'application/json' } : {}) };
    const path = `${ORG}/${victim.id}/rotate`;
    const res = await call(admin.baseUrl, 'POST', path, { headers, body });
    t.equal(res.status, code, label);
    t.equal(res.json?.code, problem, label);
    if (typeof detail === 'string') t.equal(res.json?.detail, detail, label);
    else t.match(res.json?.detail, detail, label);
    expectMatchesSpec(t, `POST ${path}`, res);
  }
  t.same([admin.snapshot(), admin.store.currentSeq(), auditCount(admin)], before, 'the database and the audit log are unchanged');
  const empty = await rotate(t, admin, ORG, caller, victim.id, {});
  t.equal(empty.status, 201, '{} is the defaults, and the service still serves');
});
