// Each pipeline step's success and failure over real sockets: the gateway in
// front of a recording upstream and the real admin service.
import t, { type Test } from 'tap';
import { call } from '../helpers/http.js';
import { rawRequest } from '../helpers/raw-http.js';
import { startGatewayStack } from '../helpers/gateway.js';

const HOUR = 3_600_000;

t.test('pipeline', async (t) => {
  const stack = await startGatewayStack(t);
  const reader = stack.key({ org: 'acme', scopes: ['read'] });
  const writer = stack.key({ org: 'acme', scopes: ['read', 'write'] });
  const admin = stack.key({ org: 'acme', scopes: ['admin'] });
  const other = stack.key({ org: 'globex', scopes: ['admin'] });
  const partner = stack.key({ partner: 'p-1', scopes: ['read'] });
  const agency = stack.key({ org: 'agency-1', agency: true, scopes: ['read', 'agency:read'] });
  const get = (path: string, headers: Record<string, string> = {}) => call(stack.gatewayUrl, 'GET', path, { headers });

  /** Assert a refusal: status, code, problem+json, and that the upstream saw nothing. */
  const refused = async (t: Test, promise: ReturnType<typeof call>, status: number, code: string) => {
    const before = stack.upstream.received.length;
    const response = await promise;
    t.equal(response.status, status, `status ${status}`);
    t.equal(response.json?.code, code, `code ${code}`);
    t.match(response.headers['content-type'], /^application\/problem\+json/);
    t.ok(response.headers['x-request-id'], 'carries a request id');
    t.equal(stack.upstream.received.length, before, 'nothing reached the upstream');
    return response;
  };

  t.test('200: a valid key on its own organization is forwarded with its identity', async (t) => {
    const response = await get('/api/v1/organization/acme/visitors?page=2', reader.headers);
    t.equal(response.status, 200);
    t.equal(response.headers['x-upstream'], 'test', 'the upstream answered');
    const seen = stack.upstream.received.at(-1)!;
    t.equal(seen.url, '/api/v1/organization/acme/visitors?page=2', 'canonical path and query forwarded');
    t.equal(seen.headers['x-bullseye-key-id'], reader.id);
    t.equal(seen.headers['x-bullseye-organization-id'], 'acme');
    t.equal(seen.headers['x-bullseye-scopes'], 'read');
    t.equal(seen.headers['x-api-key'], undefined, 'credential stripped');
    t.equal(seen.headers['x-request-id'], response.headers['x-request-id'], 'one request id on both sides');
    t.equal(seen.headers['x-forwarded-for'], '127.0.0.1');
    t.equal(response.headers['x-ratelimit-limit'], '1000');
  });

  t.test('public routes are forwarded without a key', async (t) => {
    const response = await get('/status');
    t.equal(response.status, 200);
    t.equal(stack.upstream.received.at(-1)!.headers['x-bullseye-key-id'], undefined);
    t.equal(response.headers['x-ratelimit-limit'], undefined, 'no key, no bucket');
  });

  t.test('400: unsafe request targets and method overrides', async (t) => {
    for (const target of ['/api/v1/organization/acme/../globex/visitors', '/api/v1/organization/acme/visitors;x', '/api/v1//x']) {
      const before = stack.upstream.received.length;
      const response = await rawRequest(
        stack.gatewayPort,
        `GET ${target} HTTP/1.1\r\nHost: x\r\nX-API-Key: ${reader.plainKey}\r\nConnection: close\r\n\r\n`,
      );
      t.equal(response.status, 400, target);
      t.equal(JSON.parse(response.body).code, 'invalid_request_target');
      t.equal(stack.upstream.received.length, before);
    }
    await refused(
      t,
      call(stack.gatewayUrl, 'POST', '/api/v1/organization/acme/lists', {
        headers: { ...writer.headers, 'x-http-method-override': 'DELETE' },
        body: {},
      }),
      400,
      'invalid_header',
    );
  });

  t.test('404: no route, wrong method, or a case variant is never forwarded', async (t) => {
    await refused(t, get('/api/v1/unknown', reader.headers), 404, 'route_not_found');
    await refused(
      t,
      call(stack.gatewayUrl, 'DELETE', '/api/v1/organization/acme/visitors', { headers: admin.headers }),
      404,
      'route_not_found',
    );
    await refused(t, get('/API/v1/organization/acme/visitors', reader.headers), 404, 'route_not_found');
  });

  t.test('401: missing, malformed, unknown, revoked and expired keys', async (t) => {
    const path = '/api/v1/organization/acme/visitors';
    await refused(t, get(path), 401, 'missing_key');
    await refused(t, get(path, { 'x-api-key': 'bsk_live_short' }), 401, 'malformed_key');
    await refused(t, get(path, { 'x-api-key': `bsk_live_${'A'.repeat(32)}` }), 401, 'malformed_key');
    await refused(t, get(path, { 'x-api-key': partner.plainKey }), 401, 'malformed_key');
    await refused(t, get(path, { 'x-api-key': `bsk_live_${'0'.repeat(32)}` }), 401, 'invalid_key');
    const doomed = stack.key({ org: 'acme', scopes: ['read'] });
    t.equal((await get(path, doomed.headers)).status, 200, 'works before revocation');
    stack.admin.store.revokeKey(doomed.id);
    await refused(t, get(path, doomed.headers), 401, 'key_revoked');
    const shortLived = stack.key({ org: 'acme', scopes: ['read'], expiresAt: stack.admin.clock.now() + HOUR });
    t.equal((await get(path, shortLived.headers)).status, 200, 'works before expiry');
    stack.admin.clock.advance(HOUR);
    await refused(t, get(path, shortLived.headers), 401, 'key_expired');
  });

  t.test('400: two credentials, or one twice', async (t) => {
    await refused(t, get('/api/v1/whoami', { ...reader.headers, ...partner.headers }), 400, 'ambiguous_credentials');
    const before = stack.upstream.received.length;
    const response = await rawRequest(
      stack.gatewayPort,
      `GET /api/v1/whoami HTTP/1.1\r\nHost: x\r\nX-API-Key: ${reader.plainKey}\r\nx-api-key: ${reader.plainKey}\r\nConnection: close\r\n\r\n`,
    );
    t.equal(response.status, 400);
    t.equal(JSON.parse(response.body).code, 'ambiguous_credentials');
    t.equal(stack.upstream.received.length, before);
  });

  t.test('401: a key of the other family is no key for the route, and the answer names the header it reads', async (t) => {
    const onOrgRoute = await refused(t, get('/api/v1/organization/acme/visitors', partner.headers), 401, 'missing_key');
    t.equal(onOrgRoute.json.detail, 'This endpoint requires an API key in the X-API-Key header.');
    const onPartnerRoute = await refused(t, get('/api/v1/partner/reports', reader.headers), 401, 'missing_key');
    t.equal(onPartnerRoute.json.detail, 'This endpoint requires an API key in the X-Partner-API-Key header.');
    const onAnyRoute = await refused(t, get('/api/v1/whoami'), 401, 'missing_key');
    t.equal(onAnyRoute.json.detail, 'This endpoint requires an API key in X-API-Key or X-Partner-API-Key.', 'key: any names both');
  });

  t.test('403: wrong organization, missing scope', async (t) => {
    const foreign = await refused(t, get('/api/v1/organization/acme/visitors', other.headers), 403, 'wrong_organization');
    t.notMatch(foreign.text, /acme/, 'says nothing about the other organization');
    await refused(
      t,
      call(stack.gatewayUrl, 'POST', '/api/v1/organization/acme/lists', { headers: reader.headers, body: {} }),
      403,
      'insufficient_scope',
    );
    await refused(t, get('/api/v1/organization/acme/agency/overview', admin.headers), 403, 'insufficient_scope');
    t.equal((await get('/api/v1/organization/agency-1/agency/overview', agency.headers)).status, 200, 'agency scope works');
    t.equal((await get('/api/v1/whoami', partner.headers)).status, 200, 'key: any accepts partners');
    t.equal((await get('/api/v1/whoami', reader.headers)).status, 200, 'key: any accepts organizations');
    t.equal((await get('/api/v1/partner/reports', partner.headers)).status, 200);
    t.equal(stack.upstream.received.at(-1)!.headers['x-bullseye-partner-id'], 'p-1');
  });

  t.test('admin implies read and write', async (t) => {
    const response = await call(stack.gatewayUrl, 'POST', '/api/v1/organization/acme/lists', {
      headers: admin.headers,
      body: { name: 'x' },
    });
    t.equal(response.status, 200);
    t.equal(stack.upstream.received.at(-1)!.headers['x-bullseye-scopes'], 'read write admin');
  });

  t.test('literal segments beat parameters', async (t) => {
    await get('/api/v1/organization/acme/lists/export', reader.headers);
    const exportRemaining = Number((await get('/api/v1/organization/acme/lists/export', reader.headers)).headers['x-ratelimit-remaining']);
    const byId = await get('/api/v1/organization/acme/lists/42', reader.headers);
    t.equal(Number(byId.headers['x-ratelimit-remaining']), exportRemaining - 1, 'the export route costs 5, the id route 1');
  });

  t.test('Expect: 100-continue is answered only after admission', async (t) => {
    const request = (key: string) =>
      `POST /api/v1/organization/acme/lists HTTP/1.1\r\nHost: x\r\nX-API-Key: ${key}\r\nContent-Type: application/json\r\n` +
      `Content-Length: 2\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n{}`;
    const refused = await rawRequest(stack.gatewayPort, request(`bsk_live_${'0'.repeat(32)}`));
    t.equal(refused.status, 401, 'a refused client is not invited to send its body');
    t.notMatch(refused.raw, /100 Continue/);
    const admitted = await rawRequest(stack.gatewayPort, request(writer.plainKey));
    t.match(admitted.raw, /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 OK/, 'an admitted one is');
    t.equal(stack.upstream.received.at(-1)!.body, '{}');
  });

  t.test('one access-log line per request, and no key in any log line', async (t) => {
    const response = await get('/api/v1/organization/acme/visitors', reader.headers);
    const line = stack.admin.logs
      .entries()
      .find((entry) => entry.msg === 'request' && entry.requestId === response.headers['x-request-id'] && entry.listener === 'gateway');
    t.match(line, {
      method: 'GET',
      route: '/api/v1/organization/{organization_id}/visitors',
      status: 200,
      keyId: reader.id,
      organizationId: 'acme',
    });
    t.type(line?.durationMs, 'number');
    const logged = stack.admin.logs.text();
    for (const key of [reader, writer, admin, other, partner, agency]) {
      t.notOk(logged.includes(key.plainKey), `${key.id} never logged`);
      t.notOk(logged.includes(key.plainKey.slice(-32)), `nor its random part`);
    }
  });

  t.test('the admin upstream re-checks the forwarded key', async (t) => {
    const response = await get('/api/v1/organization/acme/api-keys', reader.headers);
    t.equal(response.status, 200);
    t.ok(Array.isArray(response.json.apiKeys));
    t.notMatch(response.text, /bsk_live_[0-9a-f]{32}/, 'no plain key in a listing');
  });
});
