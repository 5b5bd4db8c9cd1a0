// GET /api/v1/organization/whoami and /api/v1/partner/whoami over the real
// admin: the calling key as the key endpoints show it and its owner (with the
// agency flag for organizations). The route has no owner in its path, so the
// answer is always about the caller: each family's header only, read scope
// needed, and a query or another family's key changes nothing about that.
import t from 'tap';
import { startAdmin, type AdminHarness } from '../helpers/admin.js';
import { call, type CallResult } from '../helpers/http.js';
import { createTestKey, type TestKey } from '../helpers/keys.js';
import { expectMatchesSpec } from '../helpers/openapi.js';

type Tap = Parameters<typeof expectMatchesSpec>[0];

const ORG_WHOAMI = '/api/v1/organization/whoami';
const PARTNER_WHOAMI = '/api/v1/partner/whoami';

async function whoami(t: Tap, admin: AdminHarness, path: string, headers: Record<string, string>): Promise<CallResult> {
  const res = await call(admin.baseUrl, 'GET', path, { headers });
  expectMatchesSpec(t, `GET ${path}`, res);
  return res;
}

/** The key as GET .../api-keys lists it. */
async function listed(admin: AdminHarness, base: string, key: TestKey): Promise<unknown> {
  const res = await call(admin.baseUrl, 'GET', base, { headers: key.headers });
  return res.json.apiKeys.find((k: { id: string }) => k.id === key.id);
}

t.test('an organization key: itself as the key endpoints show it, and its organization (not an agency)', async (t) => {
  const admin = await startAdmin(t);
  const reader = createTestKey(admin.store, { org: 'acme', scopes: ['read'], name: 'dashboard viewer' });
  createTestKey(admin.store, { org: 'other' });
  const res = await whoami(t, admin, ORG_WHOAMI, reader.headers);
  t.equal(res.status, 200);
  t.same(res.json, {
    apiKey: await listed(admin, '/api/v1/organization/acme/api-keys', reader),
    organization: { id: 'acme', agency: false },
  });
  t.match(res.json.apiKey, { id: reader.id, organizationId: 'acme', name: 'dashboard viewer', scopes: ['read'] });
  t.notMatch(res.text, reader.plainKey.slice(9), 'never the plain key');
});

t.test('an agency organization says so', async (t) => {
  const admin = await startAdmin(t);
  const key = createTestKey(admin.store, { org: 'agency-1', agency: true, scopes: ['admin', 'agency:read'] });
  const res = await whoami(t, admin, ORG_WHOAMI, key.headers);
  t.same(res.json.organization, { id: 'agency-1', agency: true });
  t.same(res.json.apiKey.scopes, ['admin', 'agency:read']);
});

t.test('a partner key: itself and its partner', async (t) => {
  const admin = await startAdmin(t);
  const key = createTestKey(admin.store, { partner: 'partner-p', scopes: ['read'] });
  const res = await whoami(t, admin, PARTNER_WHOAMI, key.headers);
  t.equal(res.status, 200);
  t.same(res.json, { apiKey: await listed(admin, '/api/v1/partner/api-keys', key), partner: { id: 'partner-p' } });
});

t.test("each family's route reads its own header only; read scope needed; bad keys are refused as everywhere", async (t) => {
  const admin = await startAdmin(t);
  const org = createTestKey(admin.store, { org: 'acme' });
  const partner = createTestKey(admin.store, { partner: 'partner-p' });
  const writer = createTestKey(admin.store, { org: 'acme', scopes: ['write'] });
  const revoked = createTestKey(admin.store, { org: 'acme' });
  admin.store.revokeKey(revoked.id);
  const before = admin.snapshot();
  const cases: Array<[string, Record<string, string>, number, string]> = [
    [ORG_WHOAMI, partner.headers, 401, 'missing_key'],
    [PARTNER_WHOAMI, org.headers, 401, 'missing_key'],
    [ORG_WHOAMI, {}, 401, 'missing_key'],
    [ORG_WHOAMI, writer.headers, 403, 'insufficient_scope'],
    [ORG_WHOAMI, revoked.headers, 401, 'key_revoked'],
    [ORG_WHOAMI, { ...org.headers, ...partner.headers }, 400, 'ambiguous_credentials'],
  ];
  for (const [path, headers, status, code] of cases) {
    const res = await whoami(t, admin, path, headers);
    t.match(res.json, { status, code }, `${path} ${code}`);
  }
  t.equal(admin.snapshot(), before, 'nothing changed');
  const withQuery = await call(admin.baseUrl, 'GET', `${ORG_WHOAMI}?organization_id=other`, { headers: org.headers });
  t.same(withQuery.json.organization, { id: 'acme', agency: false }, 'a query names no other owner');
  const post = await call(admin.baseUrl, 'POST', ORG_WHOAMI, { headers: org.headers });
  t.match(post, { status: 405, headers: { allow: 'GET' } });
});
