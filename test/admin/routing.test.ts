// Before any key is looked at: the request target must be canonical (400),
// the route must exist (404, or 405 with Allow for a known path), path ids
// must be well-formed (400). Every response carries X-Request-Id.
import t from 'tap';
import { startAdmin } from '../helpers/admin.js';
import { call } from '../helpers/http.js';
import { createTestKey } from '../helpers/keys.js';
import { expectMatchesSpec, expectProblemDocument } from '../helpers/openapi.js';
import { rawRequest } from '../helpers/raw-http.js';

const get = (port: number, target: string, headers = '') =>
  rawRequest(port, `GET ${target} HTTP/1.1\r\nHost: localhost\r\n${headers}Connection: close\r\n\r\n`);

t.test('non-canonical request targets are 400', async (t) => {
  const admin = await startAdmin(t);
  const key = createTestKey(admin.store, { org: 'acme' });
  const header = `X-API-Key: ${key.plainKey}\r\n`;
  for (const target of [
    '/api/v1/organization/acme/../acme/api-keys',
    '/api/v1/organization/./acme/api-keys',
    '/api/v1//organization/acme/api-keys',
    '/api/v1/organization/acme/api-keys/',
    '/api/v1/organization/acme%2Fx/api-keys',
    '/api/v1/organization/acme;x=1/api-keys',
    '/api/v1/organization/%61cme/api-keys',
    '/api/v1/organization/acme/api-keys%',
    'http://localhost/api/v1/organization/acme/api-keys',
    '*',
  ]) {
    const res = await get(admin.port, target, header);
    t.equal(res.status, 400, target);
    t.equal(JSON.parse(res.body).code, 'invalid_request_target', target);
    expectMatchesSpec(t, 'GET /api/v1/organization/{organization_id}/api-keys', res); // the route these targets aim at
  }
});

t.test('unknown paths are 404 route_not_found', async (t) => {
  const admin = await startAdmin(t);
  const key = createTestKey(admin.store, { org: 'acme' });
  for (const path of ['/', '/api/v1/organization/acme', '/api/v1/organization/acme/api-keys/x/y', '/API/v1/partner/api-keys']) {
    const res = await call(admin.baseUrl, 'GET', path, { headers: key.headers });
    t.equal(res.status, 404, path);
    t.equal(res.json.code, 'route_not_found', path);
    expectProblemDocument(t, res);
  }
});

t.test('a known path with another method is 405 with Allow', async (t) => {
  const admin = await startAdmin(t);
  const key = createTestKey(admin.store, { org: 'acme' });
  const put = await call(admin.baseUrl, 'PUT', '/api/v1/organization/acme/api-keys', { headers: key.headers });
  t.equal(put.status, 405);
  t.equal(put.json.code, 'method_not_allowed');
  t.equal(put.headers.allow, 'GET, POST');
  expectProblemDocument(t, put);
  const put2 = await call(admin.baseUrl, 'PUT', '/api/v1/partner/api-keys/0b9f7c0e-1f0a-4b9e-9c53-1d1b9b0b8a11');
  t.equal(put2.status, 405);
  t.equal(put2.headers.allow, 'DELETE, PATCH');
  const getRotate = await call(admin.baseUrl, 'GET', '/api/v1/partner/api-keys/0b9f7c0e-1f0a-4b9e-9c53-1d1b9b0b8a11/rotate');
  t.equal(getRotate.status, 405);
  t.equal(getRotate.headers.allow, 'POST');
});

t.test('malformed organization ids are 400 invalid_parameter', async (t) => {
  const admin = await startAdmin(t);
  const key = createTestKey(admin.store, { org: 'acme' });
  for (const org of ['a'.repeat(65), 'acme.corp', 'acme%20corp', "acme'", '%C3%A9']) {
    const res = await call(admin.baseUrl, 'GET', `/api/v1/organization/${org}/api-keys`, { headers: key.headers });
    t.equal(res.status, 400, org);
    t.equal(res.json.code, 'invalid_parameter', org);
    expectMatchesSpec(t, `GET /api/v1/organization/${org}/api-keys`, res);
  }
  const longest = await call(admin.baseUrl, 'GET', `/api/v1/organization/${'a'.repeat(64)}/api-keys`, {
    headers: key.headers,
  });
  t.equal(longest.status, 403, '64 characters is a valid id (of another organization)');
  expectMatchesSpec(t, `GET /api/v1/organization/${'a'.repeat(64)}/api-keys`, longest);
});

t.test('X-Request-Id is kept when sane, generated otherwise, and in every problem', async (t) => {
  const admin = await startAdmin(t);
  const kept = await call(admin.baseUrl, 'GET', '/nowhere', { headers: { 'x-request-id': 'trace-123.abc_X' } });
  t.equal(kept.headers['x-request-id'], 'trace-123.abc_X');
  t.equal(kept.json.requestId, 'trace-123.abc_X');
  const replaced = await call(admin.baseUrl, 'GET', '/nowhere', { headers: { 'x-request-id': 'bad id <script>' } });
  t.match(replaced.headers['x-request-id'], /^[0-9a-f-]{36}$/);
  t.equal(replaced.json.requestId, replaced.headers['x-request-id']);
  const generated = await call(admin.baseUrl, 'GET', '/nowhere');
  t.match(generated.headers['x-request-id'], /^[0-9a-f-]{36}$/);
  const key = createTestKey(admin.store, { org: 'acme' });
  const ok = await call(admin.baseUrl, 'GET', '/api/v1/organization/acme/api-keys', { headers: key.headers });
  t.match(ok.headers['x-request-id'], /^[0-9a-f-]{36}$/, 'successes carry it too');
});

t.test('requests Node cannot parse get a problem document, and serving goes on', async (t) => {
  const admin = await startAdmin(t);
  const res = await rawRequest(
    admin.port,
    'GET /api/v1/partner/api-keys HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
  );
  t.equal(res.status, 400);
  t.equal(JSON.parse(res.body).code, 'malformed_request');
  expectMatchesSpec(t, 'GET /api/v1/partner/api-keys', res);
  const huge = await rawRequest(admin.port, `GET / HTTP/1.1\r\nHost: a\r\nX-Big: ${'x'.repeat(20 * 1024)}\r\n\r\n`);
  t.equal(huge.status, 431);
  t.equal(JSON.parse(huge.body).code, 'headers_too_large');
  t.equal((await call(admin.baseUrl, 'GET', '/nowhere')).status, 404);
});
