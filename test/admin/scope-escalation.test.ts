// A key can only create keys whose scopes it holds (403 scope_escalation);
// agency scopes exist only for agency organizations (400).
import t from 'tap';
import { startAdmin } from '../helpers/admin.js';
import { call } from '../helpers/http.js';
import { createTestKey } from '../helpers/keys.js';
import { expectMatchesSpec } from '../helpers/openapi.js';

t.test('granting a scope the caller does not hold is 403 and changes nothing', async (t) => {
  const admin = await startAdmin(t);
  const caller = createTestKey(admin.store, { org: 'agency-1', agency: true, scopes: ['admin', 'agency:read'] });
  const before = admin.snapshot();
  const res = await call(admin.baseUrl, 'POST', '/api/v1/organization/agency-1/api-keys', {
    headers: caller.headers,
    body: { name: 'more', scopes: ['read', 'agency:read', 'agency:write'] },
  });
  t.equal(res.status, 403);
  t.equal(res.json.code, 'scope_escalation');
  t.same(res.json.missingScopes, ['agency:write']);
  expectMatchesSpec(t, 'POST /api/v1/organization/agency-1/api-keys', res);
  t.equal(admin.snapshot(), before, 'database unchanged');
});

t.test('admin does not imply the agency scopes', async (t) => {
  const admin = await startAdmin(t);
  const caller = createTestKey(admin.store, { org: 'agency-1', agency: true, scopes: ['admin'] });
  const res = await call(admin.baseUrl, 'POST', '/api/v1/organization/agency-1/api-keys', {
    headers: caller.headers,
    body: { name: 'overview', scopes: ['agency:read'] },
  });
  t.equal(res.status, 403);
  t.equal(res.json.code, 'scope_escalation');
});

t.test('agency scopes for a standard organization are 400', async (t) => {
  const admin = await startAdmin(t);
  const caller = createTestKey(admin.store, { org: 'acme', scopes: ['admin'] });
  const before = admin.snapshot();
  const res = await call(admin.baseUrl, 'POST', '/api/v1/organization/acme/api-keys', {
    headers: caller.headers,
    body: { name: 'overview', scopes: ['agency:read'] },
  });
  t.equal(res.status, 400);
  t.equal(res.json.code, 'invalid_body');
  t.match(res.json.detail, /agency organizations/);
  expectMatchesSpec(t, 'POST /api/v1/organization/acme/api-keys', res);
  t.equal(admin.snapshot(), before, 'database unchanged');
});

t.test('agency scopes on a partner key are 400', async (t) => {
  const admin = await startAdmin(t);
  const caller = createTestKey(admin.store, { partner: 'p-1' });
  const res = await call(admin.baseUrl, 'POST', '/api/v1/partner/api-keys', {
    headers: caller.headers,
    body: { name: 'x', scopes: ['agency:write'] },
  });
  t.equal(res.status, 400);
  t.equal(res.json.code, 'invalid_body');
  expectMatchesSpec(t, 'POST /api/v1/partner/api-keys', res);
});
