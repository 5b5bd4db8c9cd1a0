// The attack suite over real sockets: request targets, headers, methods,
// credentials and smuggling shapes sent as exact bytes. Every refused case
// must end in a 4xx problem document with nothing reaching the upstream, and
// the gateway must keep serving. Claims that are replaced rather than refused
// (identity headers, padded keys) are checked at the end.
import { connect } from 'node:net';
import t from 'tap';
import { startGatewayStack } from '../helpers/gateway.js';
import { rawRequest, type RawResponse } from '../helpers/raw-http.js';

/** Every refusal, including those of Node's own parser (malformed_request), is a problem document. */
interface Attack {
  label: string;
  bytes: string | Buffer;
  expect: { status: number; code: string };
}

const VISITORS = '/api/v1/organization/acme/visitors';
const LISTS = '/api/v1/organization/acme/lists';

/** A request with the given start line and header lines, closed after the response. */
const request = (startLine: string, ...headers: string[]): string =>
  `${startLine}\r\nHost: gw.test\r\n${headers.map((h) => `${h}\r\n`).join('')}Connection: close\r\n\r\n`;

/** Every response written on one connection until the server closes it (for pipelining cases). */
function allResponses(port: number, payload: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1' });
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
    socket.write(payload);
  });
}
// Responses follow each other's bodies directly, so no line anchor.
const statusLines = (raw: string): string[] => raw.match(/HTTP\/1\.1 \d{3}/g) ?? [];
/** Header fields past about the 1000th are hidden from Node's req.headers unless the server lifts its count limit. */
const padding = Array.from({ length: 1_500 }, (_, i) => `p${i}:`);

t.test('attack suite', async (t) => {
  // Hundreds of deliberate 401s from one address would trip the failed-authentication guard (429)
  // and hide the code each case earns: raise its threshold for this suite.
  const stack = await startGatewayStack(t, {
    settingsYaml: 'rateLimit:\n  authFailures: { requests: 100000, per: 1m }\n',
  });
  const acme = stack.key({ org: 'acme', scopes: ['read', 'write'] });
  const globex = stack.key({ org: 'globex', scopes: ['read', 'write'] });
  const partner = stack.key({ partner: 'p-1', scopes: ['read'] });
  const key = `X-API-Key: ${acme.plainKey}`;
  const hexOf = acme.plainKey.slice('bsk_live_'.length);

  const badTarget = { status: 400, code: 'invalid_request_target' };
  const malformed = { status: 400, code: 'malformed_request' };
  const noRoute = { status: 404, code: 'route_not_found' };
  const ambiguous = { status: 400, code: 'ambiguous_credentials' };
  const badHeader = { status: 400, code: 'invalid_header' };
  const malformedKey = { status: 401, code: 'malformed_key' };
  const wrongOrg = { status: 403, code: 'wrong_organization' };

  const pathTricks: Attack[] = [
    { label: 'dot segment ..', bytes: request('GET /api/v1/organization/globex/../acme/visitors HTTP/1.1', key), expect: badTarget },
    { label: 'dot segment .', bytes: request('GET /api/v1/organization/acme/./visitors HTTP/1.1', key), expect: badTarget },
    { label: 'encoded dot segment %2e%2e', bytes: request('GET /api/v1/organization/globex/%2e%2e/acme/visitors HTTP/1.1', key), expect: badTarget },
    { label: 'encoded dot segment %2E.', bytes: request('GET /api/v1/organization/globex/%2E./acme/visitors HTTP/1.1', key), expect: badTarget },
    { label: 'encoded slash %2f', bytes: request('GET /api/v1/organization/acme%2fvisitors HTTP/1.1', key), expect: badTarget },
    { label: 'encoded slash %2F in a parameter', bytes: request('GET /api/v1/organization/acme/lists/a%2F..%2F..%2Fb HTTP/1.1', key), expect: badTarget },
    { label: 'encoded backslash %5c', bytes: request('GET /api/v1/organization/acme%5cvisitors HTTP/1.1', key), expect: badTarget },
    { label: 'raw backslash', bytes: request('GET /api/v1/organization/acme\\..\\globex/visitors HTTP/1.1', key), expect: badTarget },
    { label: 'double encoding %252e%252e', bytes: request('GET /api/v1/organization/globex/%252e%252e/acme/visitors HTTP/1.1', key), expect: badTarget },
    { label: 'double encoding %252f', bytes: request('GET /api/v1/organization/acme%252fvisitors HTTP/1.1', key), expect: badTarget },
    { label: '; path parameter', bytes: request(`GET ${VISITORS};jsessionid=1 HTTP/1.1`, key), expect: badTarget },
    { label: '..;/ (Tomcat-style traversal)', bytes: request('GET /api/v1/organization/globex/..;/acme/visitors HTTP/1.1', key), expect: badTarget },
    { label: 'encoded ; %3b', bytes: request(`GET ${VISITORS}%3bx HTTP/1.1`, key), expect: badTarget },
    { label: 'empty segment //', bytes: request('GET /api/v1/organization//acme/visitors HTTP/1.1', key), expect: badTarget },
    { label: 'leading //', bytes: request(`GET /${VISITORS} HTTP/1.1`, key), expect: badTarget },
    { label: 'trailing slash', bytes: request(`GET ${VISITORS}/ HTTP/1.1`, key), expect: badTarget },
    { label: 'case variant of a literal segment', bytes: request('GET /api/v1/organization/acme/Visitors HTTP/1.1', key), expect: noRoute },
    { label: 'case variant of the first segment', bytes: request('GET /API/v1/organization/acme/visitors HTTP/1.1', key), expect: noRoute },
    { label: 'overlong UTF-8 dots %c0%ae', bytes: request('GET /api/v1/organization/globex/%c0%ae%c0%ae/acme/visitors HTTP/1.1', key), expect: badTarget },
    { label: 'overlong UTF-8 slash %c0%af', bytes: request('GET /api/v1/organization/acme%c0%afvisitors HTTP/1.1', key), expect: badTarget },
    { label: 'IIS-style %u002e', bytes: request('GET /api/v1/organization/globex/%u002e%u002e/acme/visitors HTTP/1.1', key), expect: badTarget },
    { label: 'raw non-ASCII byte', bytes: Buffer.from(request('GET /api/v1/organization/acme/visitors\xff HTTP/1.1', key), 'latin1'), expect: malformed },
    { label: 'fullwidth solidus %EF%BC%8F (valid UTF-8, no route)', bytes: request('GET /api/v1/organization/acme%EF%BC%8Fvisitors HTTP/1.1', key), expect: noRoute },
    { label: 'invalid percent-encoding', bytes: request(`GET ${VISITORS}%zz HTTP/1.1`, key), expect: badTarget },
    { label: 'encoded NUL %00', bytes: request(`GET ${VISITORS}%00.json HTTP/1.1`, key), expect: badTarget },
    { label: 'raw NUL in the target', bytes: request(`GET ${VISITORS}\0.json HTTP/1.1`, key), expect: malformed },
    { label: '# fragment', bytes: request(`GET ${VISITORS}#/../../globex HTTP/1.1`, key), expect: badTarget },
    { label: 'absolute-form target', bytes: request(`GET http://evil.test${VISITORS} HTTP/1.1`, key), expect: badTarget },
    { label: 'OPTIONS *', bytes: request('OPTIONS * HTTP/1.1', key), expect: badTarget },
    { label: 'CONNECT (authority-form)', bytes: request('CONNECT evil.test:443 HTTP/1.1', key), expect: badTarget },
    { label: 'very long path (over the header limit)', bytes: request(`GET ${VISITORS}/${'a'.repeat(20_000)} HTTP/1.1`, key), expect: { status: 431, code: 'headers_too_large' } },
    { label: 'long path (under the header limit)', bytes: request(`GET ${VISITORS}/${'a'.repeat(8_000)} HTTP/1.1`, key), expect: noRoute },
  ];

  const headerTricks: Attack[] = [
    { label: 'credential header twice', bytes: request(`GET ${VISITORS} HTTP/1.1`, key, key), expect: ambiguous },
    { label: 'credential header twice, differing case', bytes: request(`GET ${VISITORS} HTTP/1.1`, key, `x-api-KEY: ${globex.plainKey}`), expect: ambiguous },
    { label: 'both credential headers', bytes: request('GET /api/v1/whoami HTTP/1.1', key, `X-Partner-API-Key: ${partner.plainKey}`), expect: ambiguous },
    { label: 'a second key comma-joined in one header', bytes: request(`GET ${VISITORS} HTTP/1.1`, `X-API-Key: ${acme.plainKey}, ${globex.plainKey}`), expect: malformedKey },
    { label: 'a key with inner whitespace', bytes: request(`GET ${VISITORS} HTTP/1.1`, `X-API-Key: bsk_live_ ${hexOf}`), expect: malformedKey },
    { label: 'X-HTTP-Method-Override', bytes: request(`POST ${LISTS} HTTP/1.1`, key, 'X-HTTP-Method-Override: DELETE', 'Content-Length: 0'), expect: badHeader },
    { label: 'X-HTTP-Method', bytes: request(`POST ${LISTS} HTTP/1.1`, key, 'X-HTTP-Method: DELETE', 'Content-Length: 0'), expect: badHeader },
    { label: 'X-Method-Override', bytes: request(`POST ${LISTS} HTTP/1.1`, key, 'X-Method-Override: DELETE', 'Content-Length: 0'), expect: badHeader },
    { label: 'method override on a public route', bytes: request('GET /status HTTP/1.1', 'x-http-method-override: DELETE'), expect: badHeader },
    { label: 'oversized headers', bytes: request(`GET ${VISITORS} HTTP/1.1`, key, `X-Filler: ${'x'.repeat(20_000)}`), expect: { status: 431, code: 'headers_too_large' } },
    { label: 'many headers over the size limit', bytes: request(`GET ${VISITORS} HTTP/1.1`, key, ...Array.from({ length: 3_000 }, (_, i) => `X-H${i}: vvvvv`)), expect: { status: 431, code: 'headers_too_large' } },
    { label: 'second credential after 1500 padding headers', bytes: request(`GET ${VISITORS} HTTP/1.1`, key, ...padding, `X-API-Key: ${globex.plainKey}`), expect: ambiguous },
    { label: 'method override after 1500 padding headers', bytes: request(`POST ${LISTS} HTTP/1.1`, key, ...padding, 'X-HTTP-Method-Override: DELETE', 'Content-Length: 0'), expect: badHeader },
    { label: 'NUL in a header value', bytes: request(`GET ${VISITORS} HTTP/1.1`, key, 'X-Note: a\0b'), expect: malformed },
    { label: 'bare CR injecting a header', bytes: request(`GET ${VISITORS} HTTP/1.1`, key, 'X-Note: a\rX-Bullseye-Organization-Id: globex'), expect: malformed },
    { label: 'bare LF injecting a header', bytes: request(`GET ${VISITORS} HTTP/1.1`, 'X-Note: a\nX-API-Key: ' + acme.plainKey, key), expect: malformed },
    { label: 'space before the colon', bytes: request(`GET ${VISITORS} HTTP/1.1`, `X-API-Key : ${acme.plainKey}`), expect: malformed },
    { label: 'obs-fold continuing the credential', bytes: request(`GET ${VISITORS} HTTP/1.1`, 'X-API-Key: bsk_live_', ` ${hexOf}`), expect: malformed },
  ];

  // The hidden request would be served if the parser lost track of the body; it carries a valid key.
  const hidden = request(`GET ${VISITORS} HTTP/1.1`, key).replace('Connection: close\r\n', '');
  const smuggling: Attack[] = [
    { label: 'Content-Length and Transfer-Encoding', bytes: `POST ${LISTS} HTTP/1.1\r\nHost: gw.test\r\n${key}\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n0\r\n\r\n`, expect: malformed },
    { label: 'two different Content-Length values', bytes: `POST ${LISTS} HTTP/1.1\r\nHost: gw.test\r\n${key}\r\nContent-Length: 2\r\nContent-Length: 4\r\nConnection: close\r\n\r\n{}{}`, expect: malformed },
    { label: 'two equal Content-Length headers', bytes: `POST ${LISTS} HTTP/1.1\r\nHost: gw.test\r\n${key}\r\nContent-Length: 2\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`, expect: malformed },
    { label: 'Content-Length list "2, 2"', bytes: `POST ${LISTS} HTTP/1.1\r\nHost: gw.test\r\n${key}\r\nContent-Length: 2, 2\r\nConnection: close\r\n\r\n{}`, expect: malformed },
    { label: 'Transfer-Encoding: chunked, identity', bytes: `POST ${LISTS} HTTP/1.1\r\nHost: gw.test\r\n${key}\r\nTransfer-Encoding: chunked, identity\r\nConnection: close\r\n\r\n0\r\n\r\n`, expect: malformed },
    { label: 'obs-fold Transfer-Encoding', bytes: `POST ${LISTS} HTTP/1.1\r\nHost: gw.test\r\n${key}\r\nTransfer-Encoding:\r\n chunked\r\nConnection: close\r\n\r\n0\r\n\r\n`, expect: malformed },
    { label: 'chunk-size garbage', bytes: `POST ${LISTS} HTTP/1.1\r\nHost: gw.test\r\n${key}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\n{}\r\n0\r\n\r\n`, expect: malformed },
    { label: 'negative Content-Length', bytes: `POST ${LISTS} HTTP/1.1\r\nHost: gw.test\r\n${key}\r\nContent-Length: -1\r\nConnection: close\r\n\r\n`, expect: malformed },
    { label: 'a second request hidden in a refused request\'s body', bytes: `POST ${LISTS} HTTP/1.1\r\nHost: gw.test\r\nContent-Length: ${hidden.length}\r\nConnection: close\r\n\r\n${hidden}`, expect: { status: 401, code: 'missing_key' } },
  ];

  const methodTricks: Attack[] = [
    { label: 'unknown HTTP version', bytes: request(`GET ${VISITORS} HTTP/1.7`, key), expect: malformed },
    { label: 'HTTP/2 preface on an HTTP/1.1 listener', bytes: 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', expect: malformed },
    { label: 'two Host headers', bytes: request(`GET ${VISITORS} HTTP/1.1`, key, 'Host: evil.test'), expect: badHeader },
    { label: 'lowercase method', bytes: request(`get ${VISITORS} HTTP/1.1`, key), expect: malformed },
    { label: 'unknown method FOO', bytes: request(`FOO ${VISITORS} HTTP/1.1`, key), expect: malformed },
    { label: 'TRACE', bytes: request(`TRACE ${VISITORS} HTTP/1.1`, key), expect: noRoute },
    { label: 'method not in the policy for this path', bytes: request(`DELETE ${VISITORS} HTTP/1.1`, key), expect: noRoute },
  ];

  const credentialTricks: Attack[] = [
    { label: 'partner key in X-API-Key', bytes: request(`GET ${VISITORS} HTTP/1.1`, `X-API-Key: ${partner.plainKey}`), expect: malformedKey },
    { label: 'org key in X-Partner-API-Key', bytes: request('GET /api/v1/whoami HTTP/1.1', `X-Partner-API-Key: ${acme.plainKey}`), expect: malformedKey },
    { label: 'uppercase hex', bytes: request(`GET ${VISITORS} HTTP/1.1`, `X-API-Key: bsk_live_${hexOf.toUpperCase()}`), expect: malformedKey },
    { label: 'uppercase prefix', bytes: request(`GET ${VISITORS} HTTP/1.1`, `X-API-Key: BSK_LIVE_${hexOf}`), expect: malformedKey },
    { label: 'one character short', bytes: request(`GET ${VISITORS} HTTP/1.1`, `X-API-Key: ${acme.plainKey.slice(0, -1)}`), expect: malformedKey },
    { label: 'one character long', bytes: request(`GET ${VISITORS} HTTP/1.1`, `X-API-Key: ${acme.plainKey}0`), expect: malformedKey },
    { label: 'prefix only', bytes: request(`GET ${VISITORS} HTTP/1.1`, 'X-API-Key: bsk_live_'), expect: malformedKey },
    { label: 'empty key', bytes: request(`GET ${VISITORS} HTTP/1.1`, 'X-API-Key: '), expect: malformedKey },
    { label: 'well-formed unknown key', bytes: request(`GET ${VISITORS} HTTP/1.1`, `X-API-Key: bsk_live_${'0'.repeat(32)}`), expect: { status: 401, code: 'invalid_key' } },
    { label: 'key in the query string', bytes: request(`GET ${VISITORS}?api_key=${acme.plainKey} HTTP/1.1`), expect: { status: 401, code: 'missing_key' } },
    { label: 'key in Authorization', bytes: request(`GET ${VISITORS} HTTP/1.1`, `Authorization: Bearer ${acme.plainKey}`), expect: { status: 401, code: 'missing_key' } },
    { label: 'acme key on globex', bytes: request('GET /api/v1/organization/globex/visitors HTTP/1.1', key), expect: wrongOrg },
    { label: 'acme key on a case variant of acme', bytes: request('GET /api/v1/organization/Acme/visitors HTTP/1.1', key), expect: wrongOrg },
    { label: 'acme key on ACME', bytes: request('GET /api/v1/organization/ACME/visitors HTTP/1.1', key), expect: wrongOrg },
    { label: 'acme key on URL-encoded %61cme (never read as acme)', bytes: request('GET /api/v1/organization/%61cme/visitors HTTP/1.1', key), expect: badTarget },
    { label: 'globex key on URL-encoded %61cme', bytes: request('GET /api/v1/organization/%61cme/visitors HTTP/1.1', `X-API-Key: ${globex.plainKey}`), expect: badTarget },
    { label: 'read key on a write route', bytes: request(`POST ${LISTS} HTTP/1.1`, `X-API-Key: ${stack.key({ org: 'acme', scopes: ['read'] }).plainKey}`, 'Content-Length: 0'), expect: { status: 403, code: 'insufficient_scope' } },
    { label: 'partner key on an organization route', bytes: request(`GET ${VISITORS} HTTP/1.1`, `X-Partner-API-Key: ${partner.plainKey}`), expect: { status: 403, code: 'wrong_key_family' } },
  ];

  /** A request that must succeed after each attack: the process keeps serving. */
  const stillServing = async (): Promise<RawResponse> => rawRequest(stack.gatewayPort, request(`GET ${VISITORS} HTTP/1.1`, key));

  const groups = { 'path tricks': pathTricks, 'header tricks': headerTricks, smuggling, 'method tricks': methodTricks, 'credential tricks': credentialTricks };
  for (const [group, attacks] of Object.entries(groups)) {
    t.test(group, async (t) => {
      for (const attack of attacks) {
        t.test(attack.label, async (t) => {
          const before = stack.upstream.received.length;
          const response = await rawRequest(stack.gatewayPort, attack.bytes);
          t.equal(response.status, attack.expect.status, `status ${attack.expect.status}`);
          t.match(response.headers['content-type'], /^application\/problem\+json/, 'a problem document');
          t.equal(JSON.parse(response.body).code, attack.expect.code, `code ${attack.expect.code}`);
          t.notMatch(response.body, /(bsk|pk)_live_[0-9a-fA-F]{8}/, 'no key echoed');
          t.equal(stack.upstream.received.length, before, 'nothing reached the upstream');
          const after = await stillServing();
          t.equal(after.status, 200, 'the gateway keeps serving');
        });
      }
    });
  }

  t.test('a hidden request stays body: the parser keeps its place on a kept-alive connection', async (t) => {
    const before = stack.upstream.received.length;
    // Refused POST (no key) whose body is a valid request, then a refused request that closes.
    const trailing = request('GET /api/v1/unknown HTTP/1.1');
    const refused = `POST ${LISTS} HTTP/1.1\r\nHost: gw.test\r\nContent-Length: ${hidden.length}\r\n\r\n${hidden}`;
    const raw = await allResponses(stack.gatewayPort, refused + trailing);
    t.same(statusLines(raw), ['HTTP/1.1 401', 'HTTP/1.1 404'], 'one answer per real request, none for the hidden one');
    t.equal(stack.upstream.received.length, before, 'the hidden request never reached the upstream');
    const chunked = `POST ${LISTS} HTTP/1.1\r\nHost: gw.test\r\nTransfer-Encoding: chunked\r\n\r\n${hidden.length.toString(16)}\r\n${hidden}\r\n0\r\n\r\n`;
    const rawChunked = await allResponses(stack.gatewayPort, chunked + trailing);
    t.same(statusLines(rawChunked), ['HTTP/1.1 401', 'HTTP/1.1 404'], 'the same inside a chunked body');
    t.equal(stack.upstream.received.length, before, 'nothing reached the upstream');
  });

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
        'X_API_Key: bsk_live_' + 'f'.repeat(32),
        // Path overrides some frameworks honour (Symfony, IIS): the upstream must serve what was authorized.
        'X-Original-URL: /api/v1/organization/globex/visitors',
        'X-Rewrite-URL: /api/v1/organization/globex/visitors',
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
    for (const name of ['forwarded', 'x-real-ip', 'x_bullseye_organization_id', 'x_forwarded_for', 'x_api_key', 'x-original-url', 'x-rewrite-url']) {
      t.equal(seen.headers[name], undefined, `${name} not forwarded`);
    }
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
      request(`POST ${LISTS} HTTP/1.1`, key, ...padding, 'X-Bullseye-Organization-Id: globex', 'Content-Length: 2') + '{}',
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
