// The admin's own API calls obey the calling key's IP allowlist, as the
// gateway does (the shared step, core/authenticate-caller.ts): 403
// ip_not_allowed from outside it, documented in the OpenAPI document. Behind
// a server.trustedProxies peer, X-Forwarded-For names the client for the
// allowlist, the failed-authentication guard and the audit log.
import t from 'tap';
import { startAdmin } from '../helpers/admin.js';
import { call } from '../helpers/http.js';
import { createTestKey } from '../helpers/keys.js';
import { expectMatchesSpec } from '../helpers/openapi.js';

const PATH = '/api/v1/organization/acme/api-keys';
const UNKNOWN_KEY = `bsk_live_${'0'.repeat(32)}`;

t.test('without trusted proxies: the peer is the client and X-Forwarded-For is ignored', async (t) => {
  const admin = await startAdmin(t, { authFailures: { requests: 2, perMs: 60_000 } });
  const remote = createTestKey(admin.store, { org: 'acme', scopes: ['admin'], allowedIps: ['10.0.0.0/8'] });
  const local = createTestKey(admin.store, { org: 'acme', scopes: ['admin'], allowedIps: ['127.0.0.1'] });

  const refused = await call(admin.baseUrl, 'GET', PATH, { headers: remote.headers });
  t.equal(refused.status, 403);
  t.match(refused.json, { status: 403, title: 'Forbidden', code: 'ip_not_allowed' });
  t.notMatch(refused.text, /10\.0\.0\.0|127\.0\.0\.1/, 'the problem reveals neither the allowlist nor the address');
  expectMatchesSpec(t, `GET ${PATH}`, refused);
  const line = await admin.logs.entry((entry) => entry.msg === 'request' && entry.errorCode === 'ip_not_allowed');
  t.match(line, { status: 403, keyId: remote.id }, 'the access line names the key refused');

  const spoofed = await call(admin.baseUrl, 'GET', PATH, { headers: { ...remote.headers, 'x-forwarded-for': '10.1.2.3' } });
  t.equal(spoofed.json?.code, 'ip_not_allowed', 'X-Forwarded-For from an untrusted peer changes nothing');
  t.equal((await call(admin.baseUrl, 'GET', PATH, { headers: local.headers })).status, 200, 'a key allowed 127.0.0.1 is served');

  t.equal((await call(admin.baseUrl, 'GET', PATH, { headers: remote.headers })).status, 403, 'a third refusal');
  const bad = () => call(admin.baseUrl, 'GET', PATH, { headers: { 'x-api-key': UNKNOWN_KEY } });
  t.same([(await bad()).status, (await bad()).status, (await bad()).status], [401, 401, 429], 'refusals spent no failure budget');

  await admin.activity.flush();
  t.equal(admin.store.getKey(remote.id)?.lastUsedAt, null, 'a refused call is not a use');
});

t.test('with server.trustedProxies: [127.0.0.1], X-Forwarded-For names the client', async (t) => {
  const admin = await startAdmin(t, { trustedProxies: ['127.0.0.1'], authFailures: { requests: 2, perMs: 60_000 } });
  const remote = createTestKey(admin.store, { org: 'acme', scopes: ['admin'], allowedIps: ['10.0.0.0/8'] });
  const from = (address: string) => ({ 'x-forwarded-for': address });

  t.equal((await call(admin.baseUrl, 'GET', PATH, { headers: { ...remote.headers, ...from('10.1.2.3') } })).status, 200);
  const prepended = await call(admin.baseUrl, 'GET', PATH, { headers: { ...remote.headers, ...from('10.1.2.3, 192.0.2.9') } });
  t.equal(prepended.json?.code, 'ip_not_allowed', 'judged by the right-most untrusted entry');
  t.equal((await call(admin.baseUrl, 'GET', PATH, { headers: remote.headers })).status, 403, 'no X-Forwarded-For: the peer');

  t.test('the audit log records the client, not the proxy', async (t) => {
    const created = await call(admin.baseUrl, 'POST', PATH, {
      headers: { ...remote.headers, ...from('192.0.2.7, 10.9.8.7') },
      body: { name: 'made behind a proxy', scopes: ['read'] },
    });
    t.equal(created.status, 201);
    const event = admin.store.auditEvents({ limit: 10 }).find((e) => e.action === 'key.created' && e.keyId === created.json.apiKey.id);
    t.equal(event?.clientAddress, '10.9.8.7');
  });

  t.test('the failed-authentication guard counts the clients behind the proxy', async (t) => {
    const bad = (address: string) => call(admin.baseUrl, 'GET', PATH, { headers: { 'x-api-key': UNKNOWN_KEY, ...from(address) } });
    t.same([(await bad('192.0.2.50')).status, (await bad('192.0.2.50')).status, (await bad('192.0.2.50')).status], [401, 401, 429]);
    t.equal((await bad('192.0.2.51')).status, 401, 'another client behind the same proxy is not blocked');
  });
});
