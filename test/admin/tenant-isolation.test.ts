// Tenant isolation as a matrix: every route × key family × own / other
// owner, plus scope per route. A key of organization A asking about B learns
// nothing about B: the answer is the same whether B exists or not, and it
// comes before the body is even looked at.
import t from 'tap';
import { startAdmin, type AdminHarness } from '../helpers/admin.js';
import { call } from '../helpers/http.js';
import { createTestKey, type TestKey } from '../helpers/keys.js';
import { expectMatchesSpec } from '../helpers/openapi.js';

interface World {
  admin: AdminHarness;
  keys: Record<string, TestKey>;
}

async function world(t: Parameters<typeof startAdmin>[0]): Promise<World> {
  const admin = await startAdmin(t);
  const keys = {
    aAdmin: createTestKey(admin.store, { org: 'org-a', scopes: ['admin'] }),
    aRead: createTestKey(admin.store, { org: 'org-a', scopes: ['read'] }),
    aWrite: createTestKey(admin.store, { org: 'org-a', scopes: ['write'] }),
    bAdmin: createTestKey(admin.store, { org: 'org-b', scopes: ['admin'] }),
    pAdmin: createTestKey(admin.store, { partner: 'partner-p', scopes: ['admin'] }),
    pRead: createTestKey(admin.store, { partner: 'partner-p', scopes: ['read'] }),
    qAdmin: createTestKey(admin.store, { partner: 'partner-q', scopes: ['admin'] }),
  };
  return { admin, keys };
}

// [caller, method, path (with :a / :b / :p / :q key ids), expected status, expected code]
const MATRIX: Array<[string, string, string, number, string?]> = [
  // organization routes, own organization
  ['aRead', 'GET', '/api/v1/organization/org-a/api-keys', 200],
  ['aAdmin', 'GET', '/api/v1/organization/org-a/api-keys', 200],
  ['aWrite', 'GET', '/api/v1/organization/org-a/api-keys', 403, 'insufficient_scope'],
  ['aAdmin', 'POST', '/api/v1/organization/org-a/api-keys', 201],
  ['aRead', 'POST', '/api/v1/organization/org-a/api-keys', 403, 'insufficient_scope'],
  ['aWrite', 'POST', '/api/v1/organization/org-a/api-keys', 403, 'insufficient_scope'],
  ['aRead', 'DELETE', '/api/v1/organization/org-a/api-keys/:aWrite', 403, 'insufficient_scope'],
  // organization routes, other organization (existing or not)
  ['aAdmin', 'GET', '/api/v1/organization/org-b/api-keys', 403, 'wrong_organization'],
  ['aAdmin', 'GET', '/api/v1/organization/org-ghost/api-keys', 403, 'wrong_organization'],
  ['aAdmin', 'POST', '/api/v1/organization/org-b/api-keys', 403, 'wrong_organization'],
  ['aAdmin', 'DELETE', '/api/v1/organization/org-b/api-keys/:bAdmin', 403, 'wrong_organization'],
  // another organization's key through one's own organization's path: not found
  ['aAdmin', 'DELETE', '/api/v1/organization/org-a/api-keys/:bAdmin', 404, 'not_found'],
  ['aAdmin', 'DELETE', '/api/v1/organization/org-a/api-keys/:pAdmin', 404, 'not_found'],
  // partner keys on organization routes, organization keys on partner routes: no key for the route
  ['pAdmin', 'GET', '/api/v1/organization/org-a/api-keys', 401, 'missing_key'],
  ['pAdmin', 'POST', '/api/v1/organization/org-a/api-keys', 401, 'missing_key'],
  ['pAdmin', 'DELETE', '/api/v1/organization/org-a/api-keys/:aRead', 401, 'missing_key'],
  ['aAdmin', 'GET', '/api/v1/partner/api-keys', 401, 'missing_key'],
  ['aAdmin', 'POST', '/api/v1/partner/api-keys', 401, 'missing_key'],
  ['aAdmin', 'DELETE', '/api/v1/partner/api-keys/:pRead', 401, 'missing_key'],
  // partner routes
  ['pRead', 'GET', '/api/v1/partner/api-keys', 200],
  ['pAdmin', 'POST', '/api/v1/partner/api-keys', 201],
  ['pRead', 'POST', '/api/v1/partner/api-keys', 403, 'insufficient_scope'],
  ['pRead', 'DELETE', '/api/v1/partner/api-keys/:pAdmin', 403, 'insufficient_scope'],
  ['pAdmin', 'DELETE', '/api/v1/partner/api-keys/:qAdmin', 404, 'not_found'],
  ['pAdmin', 'DELETE', '/api/v1/partner/api-keys/:aRead', 404, 'not_found'],
  // own keys may be revoked
  ['aAdmin', 'DELETE', '/api/v1/organization/org-a/api-keys/:aWrite', 204],
  ['pAdmin', 'DELETE', '/api/v1/partner/api-keys/:pRead', 204],
];

t.test('every route × family × own/other owner', async (t) => {
  for (const [caller, method, rawPath, status, code] of MATRIX) {
    const { admin, keys } = await world(t);
    const path = rawPath.replace(/:(\w+)$/, (_, name: string) => (keys[name] as TestKey).id);
    const before = admin.snapshot();
    const res = await call(admin.baseUrl, method, path, {
      headers: (keys[caller] as TestKey).headers,
      ...(method === 'POST' ? { body: { name: 'matrix' } } : {}),
    });
    const label = `${caller} ${method} ${rawPath}`;
    t.equal(res.status, status, label);
    expectMatchesSpec(t, `${method} ${path}`, res);
    if (code) {
      t.equal(res.json?.code, code, `${label}: code`);
      t.equal(admin.snapshot(), before, `${label}: database unchanged`);
    }
    await admin.close();
  }
});

t.test('a listing holds only the owner’s keys', async (t) => {
  const { admin, keys } = await world(t);
  const org = await call(admin.baseUrl, 'GET', '/api/v1/organization/org-a/api-keys', { headers: keys.aRead!.headers });
  t.same(org.json.apiKeys.map((k: { id: string }) => k.id).sort(), [keys.aAdmin!.id, keys.aRead!.id, keys.aWrite!.id].sort());
  t.ok(org.json.apiKeys.every((k: { organizationId: string }) => k.organizationId === 'org-a'));
  const partner = await call(admin.baseUrl, 'GET', '/api/v1/partner/api-keys', { headers: keys.pRead!.headers });
  t.same(partner.json.apiKeys.map((k: { id: string }) => k.id).sort(), [keys.pAdmin!.id, keys.pRead!.id].sort());
  t.ok(partner.json.apiKeys.every((k: { partnerId: string }) => k.partnerId === 'partner-p'));
});

t.test('another organization gets one answer, whether it exists or not, whatever the body', async (t) => {
  const { admin, keys } = await world(t);
  const strip = (body: Record<string, unknown>) => ({ ...body, requestId: undefined });
  const answers = [];
  for (const [org, body] of [
    ['org-b', { name: 'x' }],
    ['org-ghost', { name: 'x' }],
    ['org-b', '{not json'],
    ['org-b', { name: 'x', scopes: ['agency:write'] }],
  ] as const) {
    const res = await call(admin.baseUrl, 'POST', `/api/v1/organization/${org}/api-keys`, {
      headers: { ...keys.aAdmin!.headers, 'content-type': 'application/json' },
      body,
    });
    t.equal(res.status, 403);
    expectMatchesSpec(t, `POST /api/v1/organization/${org}/api-keys`, res);
    answers.push(strip(res.json));
  }
  for (const answer of answers.slice(1)) t.same(answer, answers[0]);
});
