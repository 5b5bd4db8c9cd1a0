// Who is calling: every way a credential can be missing, malformed, unknown,
// expired, revoked, doubled or of the wrong family (no credential for the
// route: 401 missing_key). Each gets its 400/401, nothing changes, and no key
// header value is ever echoed.
import t from 'tap';
import { generateKey } from '../../core/keys.js';
import { startAdmin } from '../helpers/admin.js';
import { call } from '../helpers/http.js';
import { createTestKey } from '../helpers/keys.js';
import { expectMatchesSpec } from '../helpers/openapi.js';
import { rawRequest } from '../helpers/raw-http.js';

const PATH = '/api/v1/organization/acme/api-keys';

t.test('credential problems on an organization route', async (t) => {
  // More 401s than the default failed-authentication budget: this test is about each one's answer, not the guard (failed-auth-guard.test.ts).
  const admin = await startAdmin(t, { authFailures: { requests: 1_000, perMs: 60_000 } });
  const orgKey = createTestKey(admin.store, { org: 'acme' });
  const partnerKey = createTestKey(admin.store, { partner: 'p-1' });
  const revoked = createTestKey(admin.store, { org: 'acme' });
  admin.store.revokeKey(revoked.id);
  const expiring = createTestKey(admin.store, { org: 'acme', expiresAt: admin.clock.now() + 1000 });
  admin.clock.advance(1000);
  const hex = orgKey.plainKey.slice('bsk_live_'.length);

  const cases: Array<[string, Record<string, string>, number, string]> = [
    ['no key', {}, 401, 'missing_key'],
    ['an empty X-API-Key', { 'x-api-key': '' }, 401, 'malformed_key'],
    ['a key one character short', { 'x-api-key': orgKey.plainKey.slice(0, -1) }, 401, 'malformed_key'],
    ['a key one character long', { 'x-api-key': `${orgKey.plainKey}0` }, 401, 'malformed_key'],
    ['upper-case hex', { 'x-api-key': `bsk_live_${hex.toUpperCase()}` }, 401, 'malformed_key'],
    ['a wrong prefix', { 'x-api-key': `bsk_test_${hex}` }, 401, 'malformed_key'],
    ['a partner key in X-API-Key', { 'x-api-key': partnerKey.plainKey }, 401, 'malformed_key'],
    // The route reads X-API-Key only: whatever the other family's header holds, the request has no key.
    ['an organization key in X-Partner-API-Key', { 'x-partner-api-key': orgKey.plainKey }, 401, 'missing_key'],
    ['a well-formed unknown key', { 'x-api-key': generateKey('org') }, 401, 'invalid_key'],
    ['a revoked key', revoked.headers, 401, 'key_revoked'],
    ['an expired key', expiring.headers, 401, 'key_expired'],
    ['both headers at once', { ...orgKey.headers, ...partnerKey.headers }, 400, 'ambiguous_credentials'],
    ['a partner key on an organization route', partnerKey.headers, 401, 'missing_key'],
    ['an Authorization header instead of X-API-Key', { authorization: `Bearer ${orgKey.plainKey}` }, 401, 'missing_key'],
  ];
  const before = admin.snapshot();
  for (const [label, headers, status, code] of cases) {
    for (const [method, path] of [
      ['GET', PATH],
      ['POST', PATH],
      ['DELETE', `${PATH}/${orgKey.id}`],
    ] as const) {
      const res = await call(admin.baseUrl, method, path, { headers, ...(method === 'POST' ? { body: { name: 'x' } } : {}) });
      t.equal(res.status, status, `${label} (${method}): status`);
      t.equal(res.json?.code, code, `${label} (${method}): code`);
      expectMatchesSpec(t, `${method} ${path}`, res);
      t.match(res.headers['content-type'], /^application\/problem\+json/);
      for (const value of Object.values(headers)) {
        if (value.length > 8) t.notMatch(res.text, value, `${label}: the key is not echoed`);
      }
    }
  }
  t.equal(admin.snapshot(), before, 'database unchanged');
  const ok = await call(admin.baseUrl, 'GET', PATH, { headers: orgKey.headers });
  t.equal(ok.status, 200, 'the service keeps serving');
});

t.test('a key of the other family is no key: 401 missing_key naming the header the route reads', async (t) => {
  const admin = await startAdmin(t);
  const orgKey = createTestKey(admin.store, { org: 'acme', scopes: ['admin'] });
  const partnerKey = createTestKey(admin.store, { partner: 'p-1', scopes: ['admin'] });
  const before = admin.snapshot();
  for (const [label, method, path, headers, header] of [
    ['a partner key on an organization route', 'GET', PATH, partnerKey.headers, 'X-API-Key'],
    ['an organization key on a partner route', 'GET', '/api/v1/partner/api-keys', orgKey.headers, 'X-Partner-API-Key'],
    [
      'an organization key revoking through a partner route',
      'DELETE',
      `/api/v1/partner/api-keys/${partnerKey.id}`,
      orgKey.headers,
      'X-Partner-API-Key',
    ],
  ] as const) {
    const res = await call(admin.baseUrl, method, path, { headers });
    t.equal(res.status, 401, `${label}: 401`);
    t.match(
      res.json,
      { code: 'missing_key', detail: `This endpoint requires an API key in the ${header} header.` },
      `${label}: names ${header}`,
    );
    expectMatchesSpec(t, `${method} ${path}`, res);
  }
  t.equal(admin.snapshot(), before, 'database unchanged');
});

t.test('the same key header twice is ambiguous (400)', async (t) => {
  const admin = await startAdmin(t);
  const key = createTestKey(admin.store, { org: 'acme' });
  const before = admin.snapshot();
  for (const [first, second] of [
    ['X-API-Key', 'X-API-Key'],
    ['X-API-Key', 'x-api-key'],
  ]) {
    const res = await rawRequest(
      admin.port,
      `GET ${PATH} HTTP/1.1\r\nHost: localhost\r\n${first}: ${key.plainKey}\r\n${second}: ${key.plainKey}\r\nConnection: close\r\n\r\n`,
    );
    t.equal(res.status, 400, `${first} + ${second}`);
    t.equal(JSON.parse(res.body).code, 'ambiguous_credentials');
    expectMatchesSpec(t, `GET ${PATH}`, res);
  }
  const partner = createTestKey(admin.store, { partner: 'p-1' });
  const after = admin.snapshot();
  const res = await rawRequest(
    admin.port,
    `GET /api/v1/partner/api-keys HTTP/1.1\r\nHost: localhost\r\nX-Partner-API-Key: ${partner.plainKey}\r\n` +
      `X-Partner-API-Key: ${partner.plainKey}\r\nConnection: close\r\n\r\n`,
  );
  t.equal(res.status, 400, 'X-Partner-API-Key twice');
  expectMatchesSpec(t, 'GET /api/v1/partner/api-keys', res);
  t.notSame(before, after);
  t.equal(admin.snapshot(), after, 'database unchanged');
});

t.test('an expired key works until its expiry, by the injected clock', async (t) => {
  const admin = await startAdmin(t);
  const key = createTestKey(admin.store, { org: 'acme', expiresAt: admin.clock.now() + 60_000 });
  t.equal((await call(admin.baseUrl, 'GET', PATH, { headers: key.headers })).status, 200);
  admin.clock.advance(59_999);
  t.equal((await call(admin.baseUrl, 'GET', PATH, { headers: key.headers })).status, 200);
  admin.clock.advance(1);
  const res = await call(admin.baseUrl, 'GET', PATH, { headers: key.headers });
  t.equal(res.status, 401);
  t.equal(res.json.code, 'key_expired');
  expectMatchesSpec(t, `GET ${PATH}`, res);
});
