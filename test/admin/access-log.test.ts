// One access-log line per request: request id, method, route template,
// status, key id and duration; never the key or its header.
import t from 'tap';
import { startAdmin } from '../helpers/admin.js';
import { call } from '../helpers/http.js';
import { createTestKey } from '../helpers/keys.js';

const accessLines = (entries: Record<string, unknown>[]) => entries.filter((e) => e.msg === 'request');

t.test('a successful request logs one line with its route and key id', async (t) => {
  const admin = await startAdmin(t);
  const key = createTestKey(admin.store, { org: 'acme' });
  const res = await call(admin.baseUrl, 'GET', '/api/v1/organization/acme/api-keys', {
    headers: { ...key.headers, 'x-request-id': 'req-1' },
  });
  t.equal(res.status, 200);
  await admin.close(); // the line is written when the exchange closes; closing the server waits for it
  const lines = accessLines(admin.logs.entries());
  t.equal(lines.length, 1);
  t.match(lines[0], {
    level: 'info',
    requestId: 'req-1',
    method: 'GET',
    route: '/api/v1/organization/{organization_id}/api-keys',
    status: 200,
    keyId: key.id,
    durationMs: Number,
  });
  t.notMatch(admin.logs.text(), key.plainKey);
});

t.test('rejected requests log their status, and the key id once it is known', async (t) => {
  const admin = await startAdmin(t);
  const reader = createTestKey(admin.store, { org: 'acme', scopes: ['read'] });
  await call(admin.baseUrl, 'GET', '/nowhere', { headers: { 'x-request-id': 'r-404' } });
  await call(admin.baseUrl, 'GET', '/api/v1/partner/api-keys', { headers: { 'x-request-id': 'r-401' } });
  await call(admin.baseUrl, 'POST', '/api/v1/organization/acme/api-keys', {
    headers: { ...reader.headers, 'x-request-id': 'r-403' },
    body: { name: 'x' },
  });
  await admin.close();
  const byId = Object.fromEntries(accessLines(admin.logs.entries()).map((line) => [line.requestId, line]));
  t.match(byId['r-404'], { status: 404, route: null, keyId: null });
  t.match(byId['r-401'], { status: 401, route: '/api/v1/partner/api-keys', keyId: null });
  t.match(byId['r-403'], { status: 403, route: '/api/v1/organization/{organization_id}/api-keys', keyId: reader.id });
  t.notMatch(admin.logs.text(), reader.plainKey);
});
