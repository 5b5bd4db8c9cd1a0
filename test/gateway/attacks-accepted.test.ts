// The attack suite, accepted part: claims the gateway replaces rather than
// refuses (identity and override headers, padded keys, 1500 header fields) are
// forwarded with the gateway's own identity and the authorized path only.
import t from 'tap';
import { LISTS, PADDING, request, startAttackStack, VISITORS } from '../helpers/attack-suite.js';
import { rawRequest } from '../helpers/raw-http.js';

t.test('attack suite: claims replaced, not refused', async (t) => {
  const { stack, acme, key } = await startAttackStack(t);

  t.test('accepted, with client claims replaced', async (t) => {
    // Node strips optional whitespace (spaces, tabs) around a header value, as RFC 9110 §5.5
    // requires; the key itself is unchanged, so a padded valid key is that same key and is accepted.
    for (const [label, header] of [
      ['leading and trailing spaces', `X-API-Key:   ${acme.plainKey}   `],
      ['leading and trailing tabs', `X-API-Key:\t${acme.plainKey}\t`],
    ] as const) {
      const response = await rawRequest(stack.gatewayPort, request(`GET ${VISITORS} HTTP/1.1`, header));
      t.equal(response.status, 200, `${label}: the trimmed key is the same key`);
      t.equal(stack.upstream.received.at(-1)!.headers['x-bullseye-key-id'], acme.id, `${label}: authenticated as that key`);
    }

    // Path overrides and client-address claims, each also in its CGI spelling (`_` for `-`).
    const overrides = [
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
    ];
    const addresses = [
      'X-Client-IP',
      'True-Client-IP',
      'CF-Connecting-IP',
      'Fastly-Client-IP',
      'X-Cluster-Client-IP',
      'Client-IP',
      'X-Forwarded',
      'Forwarded-For',
      'X-Originating-IP',
      'X-Remote-IP',
      'X-Remote-Addr',
    ];
    const CLAIMED_PATH = '/api/v1/organization/globex/visitors';
    const CLAIMED_ADDRESS = '203.0.113.66';
    const claims = [
      ...overrides.flatMap((name) => [`${name}: ${CLAIMED_PATH}`, `${name.replaceAll('-', '_')}: ${CLAIMED_PATH}`]),
      ...addresses.flatMap((name) => [`${name}: ${CLAIMED_ADDRESS}`, `${name.replaceAll('-', '_')}: ${CLAIMED_ADDRESS}`]),
    ];

    const before = stack.upstream.received.length;
    const response = await rawRequest(
      stack.gatewayPort,
      request(
        `GET ${VISITORS} HTTP/1.1`,
        key,
        'X-Bullseye-Organization-Id: globex',
        'X-Bullseye-Key-Id: forged',
        'X-Bullseye-Scopes: admin agency:write',
        'X-Bullseye-Partner-Id: p-1',
        'X-Forwarded-For: 203.0.113.9',
        'X-Forwarded-Host: evil.test',
        'X-Forwarded-Proto: https',
        'Forwarded: for=203.0.113.9;host=evil.test',
        'X-Real-IP: 203.0.113.9',
        'x-bULLSEYE-kEY-iD: forged-by-case',
        // CGI-style servers read `_` as `-`: these would otherwise arrive as the identity headers.
        'X_Bullseye_Organization_Id: globex',
        'X_Forwarded_For: 203.0.113.9',
        // Path overrides some frameworks honour (Symfony, IIS, Spring, Envoy): the upstream must serve what
        // was authorized; client-address claims CDNs and frameworks trust.
        ...claims,
      ),
    );
    t.equal(response.status, 200, 'forwarded: the claims are replaced, not refused');
    t.equal(stack.upstream.received.length, before + 1, 'exactly one request reached the upstream');
    const seen = stack.upstream.received.at(-1)!;
    t.equal(seen.headers['x-bullseye-organization-id'], 'acme', "the key's organization, not the claimed one");
    t.equal(seen.headers['x-bullseye-key-id'], acme.id);
    t.equal(seen.headers['x-bullseye-scopes'], 'read write');
    t.equal(seen.headers['x-bullseye-partner-id'], undefined, 'no partner claim passes through');
    t.equal(seen.headers['x-forwarded-for'], '127.0.0.1', 'X-Forwarded-For from the connection');
    t.equal(seen.headers['x-forwarded-host'], 'gw.test', 'X-Forwarded-Host from the Host header');
    t.equal(seen.headers['x-forwarded-proto'], 'http', 'X-Forwarded-Proto from the connection');
    for (const name of ['forwarded', 'x-real-ip', 'x_bullseye_organization_id', 'x_forwarded_for']) {
      t.equal(seen.headers[name], undefined, `${name} not forwarded`);
    }
    for (const claim of claims) {
      const name = claim.slice(0, claim.indexOf(':')).toLowerCase();
      t.equal(seen.headers[name], undefined, `${claim.slice(0, claim.indexOf(':'))} not forwarded`);
    }
    const values = seen.rawHeaders.filter((_, i) => i % 2 === 1);
    t.notOk(values.includes(CLAIMED_PATH), 'no claimed path reached the upstream');
    t.notOk(values.includes(CLAIMED_ADDRESS), 'no claimed address reached the upstream');
    t.equal(seen.url, VISITORS, 'the authorized path is the one served');
    const orgHeaders = seen.rawHeaders.filter((_, i) => i % 2 === 0 && seen.rawHeaders[i]!.toLowerCase() === 'x-bullseye-organization-id');
    t.equal(orgHeaders.length, 1, 'one organization header, not the claim plus the truth');
  });

  t.test('accepted with padding: identity and body survive 1500 header fields', async (t) => {
    // A Node upstream at its defaults keeps only its first ~1000 fields (Node 20) or refuses
    // the request with 431 (Node 24): the identity must come before the client's padding, and
    // the gateway itself must see every field. The test upstream accepts any number of fields,
    // so the position of the identity is checked directly.
    const response = await rawRequest(
      stack.gatewayPort,
      request(`POST ${LISTS} HTTP/1.1`, key, ...PADDING, 'X-Bullseye-Organization-Id: globex', 'Content-Length: 2') + '{}',
    );
    t.equal(response.status, 200);
    const seen = stack.upstream.received.at(-1)!;
    t.equal(seen.headers['x-bullseye-organization-id'], 'acme', 'the identity reached the upstream');
    t.equal(seen.headers['x-bullseye-key-id'], acme.id);
    t.equal(seen.headers['x-forwarded-for'], '127.0.0.1');
    const position = seen.rawHeaders.findIndex((name) => name.toLowerCase() === 'x-bullseye-organization-id') / 2;
    t.ok(position >= 0 && position < 100, `the identity is among the first fields (field ${position})`);
    t.equal(seen.body, '{}', 'a Content-Length after the padding still forwards the body');
  });
});
