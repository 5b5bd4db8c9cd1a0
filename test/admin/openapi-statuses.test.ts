// The answers every key route shares, checked route by route against the
// OpenAPI document: no key (401), two key headers (400), a key of the other
// family (no key for the route: 401), oversized headers (431), and a failing database (500, a
// generic problem that reveals nothing; the cause is logged in full).
import t from 'tap';
import { ADMIN_ROUTES, type KeyRoute } from '../../admin/routes.js';
import { FAMILIES } from '../../core/keys.js';
import { startAdmin } from '../helpers/admin.js';
import { call } from '../helpers/http.js';
import { createTestKey } from '../helpers/keys.js';
import { expectMatchesSpec } from '../helpers/openapi.js';
import { rawRequest } from '../helpers/raw-http.js';

const KEY_ROUTES = ADMIN_ROUTES.filter((route): route is KeyRoute => route.kind === 'key');
const KEY_ID = '0b9f7c0e-1f0a-4b9e-9c53-1d1b9b0b8a11';
const pathOf = (route: KeyRoute) => route.pattern.replace('{organization_id}', 'acme').replace('{keyId}', KEY_ID);
const bodyOf = (route: KeyRoute) => (route.readsBody ? { body: { name: 'x' } } : {});

t.test('credential failures on every key route', async (t) => {
  const admin = await startAdmin(t);
  const orgKey = createTestKey(admin.store, { org: 'acme' });
  const partnerKey = createTestKey(admin.store, { partner: 'p-1' });
  for (const route of KEY_ROUTES) {
    const path = pathOf(route);
    const other = route.family === 'org' ? partnerKey : orgKey;
    const missing = `This endpoint requires an API key in the ${FAMILIES[route.family].headerName} header.`;
    const cases: Array<[string, Record<string, string>, number, string, string?]> = [
      ['no key', {}, 401, 'missing_key', missing],
      ['both key headers', { ...orgKey.headers, ...partnerKey.headers }, 400, 'ambiguous_credentials'],
      ['a key of the other family', other.headers, 401, 'missing_key', missing],
    ];
    for (const [label, headers, status, code, detail] of cases) {
      const res = await call(admin.baseUrl, route.method, path, { headers, ...bodyOf(route) });
      t.equal(res.status, status, `${route.template}, ${label}`);
      t.equal(res.json?.code, code);
      if (detail) t.equal(res.json?.detail, detail, `${route.template}, ${label}: names the header the route reads`);
      expectMatchesSpec(t, `${route.method} ${path}`, res);
    }
  }
});

t.test('oversized headers are 431 on every route', async (t) => {
  const admin = await startAdmin(t);
  for (const route of ADMIN_ROUTES) {
    const path = route.kind === 'key' ? pathOf(route) : route.pattern;
    const res = await rawRequest(admin.port, `${route.method} ${path} HTTP/1.1\r\nHost: a\r\nX-Big: ${'x'.repeat(20 * 1024)}\r\n\r\n`);
    t.equal(res.status, 431, route.template);
    expectMatchesSpec(t, `${route.method} ${path}`, res);
  }
});

t.test('a failing database is a generic 500 on every key route, and the document is still served', async (t) => {
  const admin = await startAdmin(t);
  // A key of each route's family: one of the other family is refused before the store is read.
  const keys = { org: createTestKey(admin.store, { org: 'acme' }), partner: createTestKey(admin.store, { partner: 'p-1' }) };
  admin.store.close(); // the database goes away under a running service
  for (const route of KEY_ROUTES) {
    const path = pathOf(route);
    const res = await call(admin.baseUrl, route.method, path, { headers: keys[route.family].headers, ...bodyOf(route) });
    t.equal(res.status, 500, route.template);
    t.match(res.json, { code: 'internal', detail: 'An unexpected error occurred.' });
    t.notMatch(res.text, /database|sqlite|at .*\.ts/i, 'nothing about the cause');
    expectMatchesSpec(t, `${route.method} ${path}`, res);
  }
  const logged = admin.logs.entries().filter((entry) => entry.msg === 'unhandled error');
  t.equal(logged.length, KEY_ROUTES.length, 'each cause is logged');
  t.match(logged[0], { level: 'error', err: { message: /database connection is not open/ } });
  const document = await call(admin.baseUrl, 'GET', '/openapi.json');
  t.equal(document.status, 200);
});
