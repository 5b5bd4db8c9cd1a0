// Per-key IP allowlists at the gateway, over real sockets: a key is refused
// 403 ip_not_allowed from outside its list before anything reaches the
// upstream; the refusal is neither a failed authentication nor a use.
// X-Forwarded-For is read only from a server.trustedProxies peer, and then
// judged by its right-most untrusted entry. IPv4-mapped peers match their
// IPv4 form. WebSocket upgrades obey the list too.
import t, { type Test } from 'tap';
import { call, type CallResult } from '../helpers/http.js';
import { startGatewayStack, type GatewayStack } from '../helpers/gateway.js';
import { handshakeHeaders, newWebSocketKey, startWebSocketUpstream, upgrade } from '../helpers/websocket.js';

const VISITORS = '/api/v1/organization/acme/visitors';
/** Two failed authentications per address, then 429: small enough to see what the guard counts. */
const TIGHT_GUARD = 'rateLimit: { authFailures: { requests: 2, per: 1m } }\n';
const BAD_KEY = { 'x-api-key': `bsk_live_${'0'.repeat(48)}` };

/** A 403 ip_not_allowed that reached nothing upstream and names neither the list nor the address. */
async function refusedByAllowlist(t: Test, stack: GatewayStack, response: Promise<CallResult>, before = stack.upstream.received.length) {
  const { status, json, text } = await response;
  t.equal(status, 403);
  t.equal(json?.code, 'ip_not_allowed');
  t.equal(stack.upstream.received.length, before, 'the upstream saw nothing');
  t.notMatch(text, /10\.|192\.0\.2|127\.0\.0\.1|::/, 'the problem reveals neither the allowlist nor the address');
}

t.test('without trusted proxies: the peer is the client', async (t) => {
  const stack = await startGatewayStack(t, { settingsYaml: TIGHT_GUARD });
  const get = (headers: Record<string, string>) => call(stack.gatewayUrl, 'GET', VISITORS, { headers });
  const local = stack.key({ org: 'acme', scopes: ['read'], allowedIps: ['127.0.0.1'] });
  const remote = stack.key({ org: 'acme', scopes: ['read'], allowedIps: ['10.0.0.0/8'] });
  const spoofable = stack.key({ org: 'acme', scopes: ['read'], allowedIps: ['10.1.2.3'] });
  const anywhere = stack.key({ org: 'acme', scopes: ['read'] });

  t.test('a key allowed 127.0.0.1 is forwarded', async (t) => {
    const response = await get(local.headers);
    t.equal(response.status, 200);
    t.equal(stack.upstream.received.at(-1)!.headers['x-forwarded-for'], '127.0.0.1');
  });

  t.test('a key without a list is forwarded from anywhere', async (t) => {
    t.equal((await get(anywhere.headers)).status, 200);
  });

  t.test('a key allowed 10.0.0.0/8 gets 403 ip_not_allowed from 127.0.0.1', async (t) => {
    await refusedByAllowlist(t, stack, get(remote.headers));
    const line = await stack.admin.logs.entry((entry) => entry.msg === 'request' && entry.errorCode === 'ip_not_allowed');
    t.match(line, { status: 403, keyId: remote.id, organizationId: 'acme' }, 'the access line names the key refused');
  });

  t.test('X-Forwarded-For from an untrusted peer is ignored', async (t) => {
    await refusedByAllowlist(t, stack, get({ ...spoofable.headers, 'x-forwarded-for': '10.1.2.3' }));
    const admitted = await get({ ...local.headers, 'x-forwarded-for': '10.1.2.3' });
    t.equal(admitted.status, 200, 'judged by its peer, 127.0.0.1');
    t.equal(stack.upstream.received.at(-1)!.headers['x-forwarded-for'], '127.0.0.1', 'and the claim is not forwarded');
  });

  t.test('a refusal is not a failed authentication: the guard still has its whole budget', async (t) => {
    for (let i = 0; i < 3; i++) await refusedByAllowlist(t, stack, get(remote.headers));
    t.equal((await get(BAD_KEY)).status, 401, 'first failure: 401');
    t.equal((await get(BAD_KEY)).status, 401, 'second failure: 401');
    t.equal((await get(BAD_KEY)).status, 429, 'over the budget: 429');
  });

  t.test('a refusal is not a use of the key, and is counted as an auth failure reason', async (t) => {
    await stack.admin.activity.flush();
    t.equal(stack.admin.store.getKey(remote.id)?.lastUsedAt, null, 'never marked used');
    t.not(stack.admin.store.getKey(local.id)?.lastUsedAt, null, 'the admitted key was');
    const metrics = (await call(stack.opsUrl, 'GET', '/metrics')).text;
    t.match(metrics, /bullseye_gateway_auth_failures_total\{reason="ip_not_allowed"\} [1-9]/);
  });
});

t.test('with server.trustedProxies: [127.0.0.1], X-Forwarded-For names the client', async (t) => {
  const stack = await startGatewayStack(t, { settingsYaml: `server: { trustedProxies: [127.0.0.1] }\n${TIGHT_GUARD}` });
  const get = (headers: Record<string, string>) => call(stack.gatewayUrl, 'GET', VISITORS, { headers });
  const behindProxy = stack.key({ org: 'acme', scopes: ['read'], allowedIps: ['10.1.2.3'] });

  t.test('the client the proxy names is judged, and the upstream is told the trusted chain', async (t) => {
    const response = await get({ ...behindProxy.headers, 'x-forwarded-for': '10.1.2.3' });
    t.equal(response.status, 200);
    t.equal(stack.upstream.received.at(-1)!.headers['x-forwarded-for'], '10.1.2.3, 127.0.0.1');
  });

  t.test('entries a client prepends are never read: the right-most untrusted one decides', async (t) => {
    await refusedByAllowlist(t, stack, get({ ...behindProxy.headers, 'x-forwarded-for': '10.1.2.3, 192.0.2.9' }));
    const admitted = await get({ ...behindProxy.headers, 'x-forwarded-for': '6.6.6.6, 10.1.2.3' });
    t.equal(admitted.status, 200);
    t.equal(stack.upstream.received.at(-1)!.headers['x-forwarded-for'], '10.1.2.3, 127.0.0.1', 'the fake entry is not forwarded');
  });

  t.test('from the trusted peer without X-Forwarded-For, the peer is the client', async (t) => {
    await refusedByAllowlist(t, stack, get(behindProxy.headers));
  });

  t.test('the failed-authentication guard counts the clients behind the proxy, not the proxy', async (t) => {
    const from = (address: string) => ({ 'x-forwarded-for': address });
    t.equal((await get({ ...BAD_KEY, ...from('192.0.2.50') })).status, 401);
    t.equal((await get({ ...BAD_KEY, ...from('192.0.2.50') })).status, 401);
    t.equal((await get({ ...BAD_KEY, ...from('192.0.2.50') })).status, 429, 'that client is over its budget');
    t.equal((await get({ ...BAD_KEY, ...from('192.0.2.51') })).status, 401, 'another client behind the same proxy is not');
  });
});

t.test('an IPv6 listener: IPv4-mapped peers match their IPv4 form', async (t) => {
  const stack = await startGatewayStack(t, { env: { HOST: '::' } });
  const v6Url = `http://[::1]:${stack.gatewayPort}`;
  const v4Only = stack.key({ org: 'acme', scopes: ['read'], allowedIps: ['127.0.0.1'] });
  const v6Only = stack.key({ org: 'acme', scopes: ['read'], allowedIps: ['::1'] });

  const viaV4 = await call(stack.gatewayUrl, 'GET', VISITORS, { headers: v4Only.headers });
  t.equal(viaV4.status, 200, 'peer ::ffff:127.0.0.1 matches 127.0.0.1');
  t.equal(stack.upstream.received.at(-1)!.headers['x-forwarded-for'], '::ffff:127.0.0.1', 'the peer as the socket gives it');
  await refusedByAllowlist(t, stack, call(stack.gatewayUrl, 'GET', VISITORS, { headers: v6Only.headers }));
  t.equal((await call(v6Url, 'GET', VISITORS, { headers: v6Only.headers })).status, 200, 'peer ::1 matches ::1');
  await refusedByAllowlist(t, stack, call(v6Url, 'GET', VISITORS, { headers: v4Only.headers }));
});

t.test('a WebSocket upgrade obeys the allowlist', async (t) => {
  const upstream = await startWebSocketUpstream(t);
  const stack = await startGatewayStack(t, {
    policy: `
upstreams:
  live: ${upstream.origin}
defaults: { upstream: live, key: org }
routes:
  GET /ws/events: { scope: read, key: any, websocket: true }
`,
  });
  const handshake = handshakeHeaders(newWebSocketKey());
  const local = stack.key({ org: 'acme', scopes: ['read'], allowedIps: ['127.0.0.0/8'] });
  const remote = stack.key({ org: 'acme', scopes: ['read'], allowedIps: ['10.0.0.0/8'] });

  const refused = await upgrade(stack.gatewayPort, '/ws/events', [...handshake, `X-API-Key: ${remote.plainKey}`]);
  t.equal(refused.status, 403);
  t.match(refused.body, /"code":"ip_not_allowed"/);
  t.equal(upstream.upgrades.length, 0, 'the upstream was never asked');

  const opened = await upgrade(stack.gatewayPort, '/ws/events', [...handshake, `X-API-Key: ${local.plainKey}`]);
  t.teardown(() => opened.socket.destroy());
  t.equal(opened.status, 101);
  t.equal(upstream.upgrades.length, 1);
});
