import t from 'tap';
import type { KeyAuthRecord } from '../../core/key-record.js';
import { clientResponseHeaders, upstreamRequestHeaders } from '../../gateway/forward/forward-headers.js';
import { keyRecord } from '../helpers/key-record.js';

const orgKey: KeyAuthRecord = keyRecord({ scopes: ['admin'] });
const identity = { key: orgKey, requestId: 'req-1', forwardedFor: '10.0.0.9', protocol: 'http' as const, host: 'api.example' };

const toMap = (flat: string[]): Map<string, string[]> => {
  const map = new Map<string, string[]>();
  for (let i = 0; i < flat.length; i += 2) {
    const name = (flat[i] as string).toLowerCase();
    map.set(name, [...(map.get(name) ?? []), flat[i + 1] as string]);
  }
  return map;
};

t.test('hop-by-hop headers and those named in Connection are dropped', async (t) => {
  const out = toMap(
    upstreamRequestHeaders(
      [
        'Connection',
        'keep-alive, X-Secret-Hop',
        'Keep-Alive',
        'timeout=5',
        'X-Secret-Hop',
        '1',
        'TE',
        'trailers',
        'Transfer-Encoding',
        'chunked',
        'Upgrade',
        'h2c',
        'Proxy-Authorization',
        'Basic x',
        'Expect',
        '100-continue',
        'Host',
        'api.example',
        'Accept',
        'application/json',
      ],
      identity,
      false,
    ),
  );
  for (const name of [
    'connection',
    'keep-alive',
    'x-secret-hop',
    'te',
    'transfer-encoding',
    'upgrade',
    'proxy-authorization',
    'expect',
    'host',
  ]) {
    t.notOk(out.has(name), `${name} dropped`);
  }
  t.same(out.get('accept'), ['application/json'], 'end-to-end headers kept');
});

t.test('client identity claims are replaced by the computed identity', async (t) => {
  const out = toMap(
    upstreamRequestHeaders(
      [
        'X-Bullseye-Organization-Id',
        'victim',
        'x-bullseye-key-id',
        'forged',
        'X-Bullseye-Anything',
        'x',
        'X-Forwarded-For',
        '1.2.3.4',
        'X-Forwarded-Host',
        'evil',
        'Forwarded',
        'for=1.2.3.4',
        'X-Real-IP',
        '1.2.3.4',
        'X-Request-Id',
        'client-sent',
      ],
      identity,
      false,
    ),
  );
  t.same(out.get('x-bullseye-organization-id'), ['acme']);
  t.same(out.get('x-bullseye-key-id'), [orgKey.id]);
  t.same(out.get('x-bullseye-scopes'), ['read write admin'], 'admin expanded');
  t.notOk(out.has('x-bullseye-anything'));
  t.notOk(out.has('x-bullseye-partner-id'));
  t.same(out.get('x-forwarded-for'), ['10.0.0.9'], 'from the connection');
  t.same(out.get('x-forwarded-host'), ['api.example']);
  t.same(out.get('x-forwarded-proto'), ['http']);
  t.notOk(out.has('forwarded'));
  t.notOk(out.has('x-real-ip'));
  t.same(out.get('x-request-id'), ['req-1'], 'the request id the gateway chose');
});

// Path overrides, client-address and host claims: named here, not read from the module's list,
// so dropping a name from the list fails this test.
const CLAIMS = [
  'Forwarded',
  'X-Real-IP',
  'X-Request-Id',
  'X-Original-URL',
  'X-Rewrite-URL',
  'X-Original-URI',
  'X-Envoy-Original-Path',
  'X-Original-Path',
  'X-Override-URL',
  'X-HTTP-DestinationURL',
  'X-Proxy-URL',
  'X-Forwarded-Prefix',
  'X-Forwarded-Uri',
  'X-Client-IP',
  'True-Client-IP',
  'CF-Connecting-IP',
  'CF-Connecting-IPv6',
  'CF-Pseudo-IPv4',
  'Fastly-Client-IP',
  'Fly-Client-IP',
  'X-Azure-ClientIP',
  'X-Azure-SocketIP',
  'X-AppEngine-User-IP',
  'X-Cluster-Client-IP',
  'WL-Proxy-Client-IP',
  'Proxy-Client-IP',
  'Client-IP',
  'X-Forwarded',
  'Forwarded-For',
  'X-Original-Forwarded-For',
  'X-Originating-IP',
  'X-Remote-IP',
  'X-Remote-Addr',
  'X-Host',
  'X-Original-Host',
  'X-HTTP-Host-Override',
  'X-Forwarded-Server',
  'X-Forwarded-Port',
  'X-Bullseye-Anything',
];

t.test('every claim is stripped, in every spelling (case, `_` for `-`)', async (t) => {
  for (const name of CLAIMS) {
    for (const spelling of [
      name,
      name.toLowerCase(),
      name.toUpperCase(),
      name.replaceAll('-', '_'),
      name.toLowerCase().replaceAll('-', '_'),
    ]) {
      const out = upstreamRequestHeaders([spelling, 'claimed', 'Accept', '*/*'], identity, true);
      const values = out.filter((_, i) => i % 2 === 1);
      t.notOk(values.includes('claimed'), `${spelling} not forwarded`);
      t.same(toMap(out).get('accept'), ['*/*'], `${spelling}: other headers kept`);
    }
  }
});

t.test('look-alikes of claims are forwarded', async (t) => {
  const raw = ['X-Client-IPs', 'a', 'X-Original-URL-Note', 'b', 'Client', 'c', 'X-Forwarded2', 'd'];
  t.same(upstreamRequestHeaders(raw, identity, false).slice(-raw.length), raw, 'only exact names (after case and `_` folding) are claims');
});

t.test('a header named in Connection is dropped in either spelling', async (t) => {
  const out = toMap(upstreamRequestHeaders(['Connection', 'X_Hop', 'X-Hop', '1', 'x_hop', '2', 'Accept', '*/*'], identity, false));
  t.notOk(out.has('x-hop'));
  t.notOk(out.has('x_hop'));
  t.same(out.get('accept'), ['*/*']);
});

t.test('credential headers are stripped unless the upstream re-checks keys', async (t) => {
  const raw = ['X-API-Key', 'bsk_live_' + 'a'.repeat(32), 'x-partner-api-key', 'pk_live_' + 'b'.repeat(32)];
  t.notOk(toMap(upstreamRequestHeaders(raw, identity, false)).has('x-api-key'));
  t.notOk(toMap(upstreamRequestHeaders(raw, identity, false)).has('x-partner-api-key'));
  t.ok(toMap(upstreamRequestHeaders(raw, identity, true)).has('x-api-key'));
  // The screen refuses an underscore twin before forwarding; stripping reads it as the credential anyway.
  t.notOk(toMap(upstreamRequestHeaders(['X_API_Key', 'k', 'x_partner_api_key', 'k'], identity, false)).has('x_api_key'));
  t.notOk(toMap(upstreamRequestHeaders(['X_API_Key', 'k', 'x_partner_api_key', 'k'], identity, false)).has('x_partner_api_key'));
});

t.test('partner keys are named as partners; public routes carry no identity', async (t) => {
  const partner = toMap(
    upstreamRequestHeaders([], { ...identity, key: { ...orgKey, family: 'partner', ownerId: 'p1', scopes: ['read'] } }, false),
  );
  t.same(partner.get('x-bullseye-partner-id'), ['p1']);
  t.notOk(partner.has('x-bullseye-organization-id'));
  t.same(partner.get('x-bullseye-scopes'), ['read']);
  const anonymous = toMap(upstreamRequestHeaders([], { ...identity, key: undefined }, false));
  t.notOk(anonymous.has('x-bullseye-key-id'));
  t.ok(anonymous.has('x-request-id'));
});

t.test('response headers lose hop-by-hop fields and keep the rest', async (t) => {
  t.same(
    clientResponseHeaders({
      connection: 'close, x-internal',
      'x-internal': 'secret',
      'keep-alive': 'timeout=5',
      'transfer-encoding': 'chunked',
      'content-type': 'application/json',
      'set-cookie': ['a=1', 'b=2'],
    }),
    { 'content-type': 'application/json', 'set-cookie': ['a=1', 'b=2'] },
  );
});
