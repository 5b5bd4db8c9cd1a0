// The attack suite over real sockets: request targets, headers, methods,
// credentials and smuggling shapes sent as exact bytes. Every refused case
// must end in a 4xx problem document with nothing reaching the upstream, and
// the gateway must keep serving. Claims that are replaced rather than refused
// (identity headers, padded keys) are checked at the end. Host and query
// attacks: attacks-host-query.test.ts.
import { connect } from 'node:net';
import t from 'tap';
import { startGatewayStack } from '../helpers/gateway.js';
import { request, runAttackGroups, type Attack } from '../helpers/attack-suite.js';
import { rawRequest } from '../helpers/raw-http.js';

const VISITORS = '/api/v1/organization/acme/visitors';
const LISTS = '/api/v1/organization/acme/lists';

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
    {
      label: 'encoded dot segment %2e%2e',
      bytes: request('GET /api/v1/organization/globex/%2e%2e/acme/visitors HTTP/1.1', key),
      expect: badTarget,
    },
    {
      label: 'encoded dot segment %2E.',
      bytes: request('GET /api/v1/organization/globex/%2E./acme/visitors HTTP/1.1', key),
      expect: badTarget,
    },
    { label: 'encoded slash %2f', bytes: request('GET /api/v1/organization/acme%2fvisitors HTTP/1.1', key), expect: badTarget },
    {
      label: 'encoded slash %2F in a parameter',
      bytes: request('GET /api/v1/organization/acme/lists/a%2F..%2F..%2Fb HTTP/1.1', key),
      expect: badTarget,
    },
    { label: 'encoded backslash %5c', bytes: request('GET /api/v1/organization/acme%5cvisitors HTTP/1.1', key), expect: badTarget },
    { label: 'raw backslash', bytes: request('GET /api/v1/organization/acme\\..\\globex/visitors HTTP/1.1', key), expect: badTarget },
    {
      label: 'double encoding %252e%252e',
      bytes: request('GET /api/v1/organization/globex/%252e%252e/acme/visitors HTTP/1.1', key),
      expect: badTarget,
    },
    { label: 'double encoding %252f', bytes: request('GET /api/v1/organization/acme%252fvisitors HTTP/1.1', key), expect: badTarget },
    { label: '; path parameter', bytes: request(`GET ${VISITORS};jsessionid=1 HTTP/1.1`, key), expect: badTarget },
    {
      label: '..;/ (Tomcat-style traversal)',
      bytes: request('GET /api/v1/organization/globex/..;/acme/visitors HTTP/1.1', key),
      expect: badTarget,
    },
    { label: 'encoded ; %3b', bytes: request(`GET ${VISITORS}%3bx HTTP/1.1`, key), expect: badTarget },
    { label: 'empty segment //', bytes: request('GET /api/v1/organization//acme/visitors HTTP/1.1', key), expect: badTarget },
    { label: 'leading //', bytes: request(`GET /${VISITORS} HTTP/1.1`, key), expect: badTarget },
    { label: 'trailing slash', bytes: request(`GET ${VISITORS}/ HTTP/1.1`, key), expect: badTarget },
    { label: 'case variant of a literal segment', bytes: request('GET /api/v1/organization/acme/Visitors HTTP/1.1', key), expect: noRoute },
    { label: 'case variant of the first segment', bytes: request('GET /API/v1/organization/acme/visitors HTTP/1.1', key), expect: noRoute },
    {
      label: 'overlong UTF-8 dots %c0%ae',
      bytes: request('GET /api/v1/organization/globex/%c0%ae%c0%ae/acme/visitors HTTP/1.1', key),
      expect: badTarget,
    },
    {
      label: 'overlong UTF-8 slash %c0%af',
      bytes: request('GET /api/v1/organization/acme%c0%afvisitors HTTP/1.1', key),
      expect: badTarget,
    },
    {
      label: 'IIS-style %u002e',
      bytes: request('GET /api/v1/organization/globex/%u002e%u002e/acme/visitors HTTP/1.1', key),
      expect: badTarget,
    },
    {
      label: 'raw non-ASCII byte',
      bytes: Buffer.from(request('GET /api/v1/organization/acme/visitors\xff HTTP/1.1', key), 'latin1'),
      expect: malformed,
    },
    // Compatibility characters an upstream applying NFKC reads as delimiters; inside {listId} they would match a route.
    {
      label: 'fullwidth solidus %EF%BC%8F (NFKC /)',
      bytes: request('GET /api/v1/organization/acme%EF%BC%8Fvisitors HTTP/1.1', key),
      expect: badTarget,
    },
    {
      label: 'fullwidth traversal ．．／ in a parameter',
      bytes: request(`GET ${LISTS}/%EF%BC%8E%EF%BC%8E%EF%BC%8F%EF%BC%8E%EF%BC%8E%EF%BC%8Fglobex HTTP/1.1`, key),
      expect: badTarget,
    },
    {
      label: 'fullwidth dots ．． (U+FF0E) as a segment',
      bytes: request(`GET ${LISTS}/%EF%BC%8E%EF%BC%8E HTTP/1.1`, key),
      expect: badTarget,
    },
    { label: 'fullwidth solidus in a parameter', bytes: request(`GET ${LISTS}/a%EF%BC%8Fb HTTP/1.1`, key), expect: badTarget },
    { label: 'fullwidth reverse solidus ＼ (U+FF3C)', bytes: request(`GET ${LISTS}/a%EF%BC%BCb HTTP/1.1`, key), expect: badTarget },
    { label: 'small reverse solidus ﹨ (U+FE68)', bytes: request(`GET ${LISTS}/a%EF%B9%A8b HTTP/1.1`, key), expect: badTarget },
    {
      label: 'fullwidth percent ％ (U+FF05), a second escape after NFKC',
      bytes: request(`GET ${LISTS}/%EF%BC%852e%EF%BC%852e HTTP/1.1`, key),
      expect: badTarget,
    },
    { label: 'fullwidth semicolon ； (U+FF1B)', bytes: request(`GET ${LISTS}/a%EF%BC%9Bjsessionid=1 HTTP/1.1`, key), expect: badTarget },
    {
      label: 'fullwidth question mark ？ (U+FF1F)',
      bytes: request(`GET ${LISTS}/a%EF%BC%9Forganization_id=globex HTTP/1.1`, key),
      expect: badTarget,
    },
    { label: 'fullwidth number sign ＃ (U+FF03)', bytes: request(`GET ${LISTS}/a%EF%BC%83x HTTP/1.1`, key), expect: badTarget },
    { label: 'two dot leader ‥ (U+2025) as a segment', bytes: request(`GET ${LISTS}/%E2%80%A5 HTTP/1.1`, key), expect: badTarget },
    {
      label: 'fullwidth solidus in the query',
      bytes: request(`GET ${VISITORS}?next=%EF%BC%8F%EF%BC%8E%EF%BC%8E HTTP/1.1`, key),
      expect: badTarget,
    },
    { label: 'invalid percent-encoding', bytes: request(`GET ${VISITORS}%zz HTTP/1.1`, key), expect: badTarget },
    { label: 'encoded NUL %00', bytes: request(`GET ${VISITORS}%00.json HTTP/1.1`, key), expect: badTarget },
    { label: 'raw NUL in the target', bytes: request(`GET ${VISITORS}\0.json HTTP/1.1`, key), expect: malformed },
    { label: '# fragment', bytes: request(`GET ${VISITORS}#/../../globex HTTP/1.1`, key), expect: badTarget },
    { label: 'absolute-form target', bytes: request(`GET http://evil.test${VISITORS} HTTP/1.1`, key), expect: badTarget },
    { label: 'OPTIONS *', bytes: request('OPTIONS * HTTP/1.1', key), expect: badTarget },
    { label: 'CONNECT (authority-form)', bytes: request('CONNECT evil.test:443 HTTP/1.1', key), expect: badTarget },
    {
      label: 'very long path (over the header limit)',
      bytes: request(`GET ${VISITORS}/${'a'.repeat(20_000)} HTTP/1.1`, key),
      expect: { status: 431, code: 'headers_too_large' },
    },
    { label: 'long path (under the header limit)', bytes: request(`GET ${VISITORS}/${'a'.repeat(8_000)} HTTP/1.1`, key), expect: noRoute },
  ];

  const headerTricks: Attack[] = [
    { label: 'credential header twice', bytes: request(`GET ${VISITORS} HTTP/1.1`, key, key), expect: ambiguous },
    {
      label: 'credential header twice, differing case',
      bytes: request(`GET ${VISITORS} HTTP/1.1`, key, `x-api-KEY: ${globex.plainKey}`),
      expect: ambiguous,
    },
    {
      label: 'both credential headers',
      bytes: request('GET /api/v1/whoami HTTP/1.1', key, `X-Partner-API-Key: ${partner.plainKey}`),
      expect: ambiguous,
    },
    {
      label: 'a second key comma-joined in one header',
      bytes: request(`GET ${VISITORS} HTTP/1.1`, `X-API-Key: ${acme.plainKey}, ${globex.plainKey}`),
      expect: malformedKey,
    },
    {
      label: 'a key with inner whitespace',
      bytes: request(`GET ${VISITORS} HTTP/1.1`, `X-API-Key: bsk_live_ ${hexOf}`),
      expect: malformedKey,
    },
    {
      label: 'X-HTTP-Method-Override',
      bytes: request(`POST ${LISTS} HTTP/1.1`, key, 'X-HTTP-Method-Override: DELETE', 'Content-Length: 0'),
      expect: badHeader,
    },
    {
      label: 'X-HTTP-Method',
      bytes: request(`POST ${LISTS} HTTP/1.1`, key, 'X-HTTP-Method: DELETE', 'Content-Length: 0'),
      expect: badHeader,
    },
    {
      label: 'X-Method-Override',
      bytes: request(`POST ${LISTS} HTTP/1.1`, key, 'X-Method-Override: DELETE', 'Content-Length: 0'),
      expect: badHeader,
    },
    {
      label: 'method override on a public route',
      bytes: request('GET /status HTTP/1.1', 'x-http-method-override: DELETE'),
      expect: badHeader,
    },
    // CGI-style servers read `_` as `-`: these are the same overrides to them.
    {
      label: 'X_HTTP_Method_Override (underscores)',
      bytes: request(`POST ${LISTS} HTTP/1.1`, key, 'X_HTTP_Method_Override: DELETE', 'Content-Length: 0'),
      expect: badHeader,
    },
    {
      label: 'X_HTTP_Method (underscores)',
      bytes: request(`POST ${LISTS} HTTP/1.1`, key, 'X_HTTP_Method: DELETE', 'Content-Length: 0'),
      expect: badHeader,
    },
    {
      label: 'x_method_override (underscores, lower case)',
      bytes: request(`POST ${LISTS} HTTP/1.1`, key, 'x_method_override: DELETE', 'Content-Length: 0'),
      expect: badHeader,
    },
    {
      label: 'X-HTTP_Method-Override (mixed separators)',
      bytes: request(`POST ${LISTS} HTTP/1.1`, key, 'X-HTTP_Method-Override: DELETE', 'Content-Length: 0'),
      expect: badHeader,
    },
    // The query-parameter override (Laravel, Symfony, Express method-override): part of the target.
    {
      label: '_method query parameter',
      bytes: request(`POST ${LISTS}?_method=DELETE HTTP/1.1`, key, 'Content-Length: 0'),
      expect: badTarget,
    },
    { label: '_METHOD query parameter', bytes: request(`POST ${LISTS}?_METHOD=PUT HTTP/1.1`, key, 'Content-Length: 0'), expect: badTarget },
    {
      label: 'escaped %5Fmethod query parameter',
      bytes: request(`POST ${LISTS}?%5Fmethod=DELETE HTTP/1.1`, key, 'Content-Length: 0'),
      expect: badTarget,
    },
    {
      label: '.method query parameter (PHP reads _method)',
      bytes: request(`POST ${LISTS}?a=1&.method=DELETE HTTP/1.1`, key, 'Content-Length: 0'),
      expect: badTarget,
    },
    { label: '_method on a GET route', bytes: request(`GET ${VISITORS}?_method=DELETE HTTP/1.1`, key), expect: badTarget },
    { label: '_method on a public route', bytes: request('GET /status?_method=DELETE HTTP/1.1'), expect: badTarget },
    // Credential twins: `X_API_Key` is HTTP_X_API_KEY to a CGI-style upstream, a second, unchecked key.
    {
      label: 'X_API_Key next to X-API-Key',
      bytes: request(`GET ${VISITORS} HTTP/1.1`, key, `X_API_Key: ${globex.plainKey}`),
      expect: ambiguous,
    },
    {
      label: 'X_API_Key before X-API-Key',
      bytes: request(`GET ${VISITORS} HTTP/1.1`, `X_API_Key: ${globex.plainKey}`, key),
      expect: ambiguous,
    },
    { label: 'x_api_key alone', bytes: request(`GET ${VISITORS} HTTP/1.1`, `x_api_key: ${acme.plainKey}`), expect: ambiguous },
    {
      label: 'X-API_Key (one underscore)',
      bytes: request(`GET ${VISITORS} HTTP/1.1`, key, `X-API_Key: ${globex.plainKey}`),
      expect: ambiguous,
    },
    {
      label: 'X_Partner_API_Key next to X-Partner-API-Key',
      bytes: request(
        'GET /api/v1/partner/reports HTTP/1.1',
        `X-Partner-API-Key: ${partner.plainKey}`,
        `X_Partner_API_Key: ${partner.plainKey}`,
      ),
      expect: ambiguous,
    },
    {
      label: 'x_partner_api_key next to an org key',
      bytes: request(`GET ${VISITORS} HTTP/1.1`, key, `x_partner_api_key: ${partner.plainKey}`),
      expect: ambiguous,
    },
    {
      label: 'X_API_Key next to X-API-Key, forwardKey upstream (admin)',
      bytes: request('GET /api/v1/organization/acme/api-keys HTTP/1.1', key, `X_API_Key: ${globex.plainKey}`),
      expect: ambiguous,
    },
    {
      label: 'X_Partner_API_Key next to X-Partner-API-Key, forwardKey upstream (admin)',
      bytes: request(
        'GET /api/v1/partner/api-keys HTTP/1.1',
        `X-Partner-API-Key: ${partner.plainKey}`,
        `X_Partner_API_Key: ${partner.plainKey}`,
      ),
      expect: ambiguous,
    },
    { label: 'twin on a public route', bytes: request('GET /status HTTP/1.1', `X_API_Key: ${acme.plainKey}`), expect: ambiguous },
    // Only SP and HTAB are optional whitespace: a key wrapped in NBSP (0xA0) is not the key.
    {
      label: 'key wrapped in NBSP (0xA0)',
      bytes: Buffer.from(request(`GET ${VISITORS} HTTP/1.1`, `X-API-Key: \xa0${acme.plainKey}\xa0`), 'latin1'),
      expect: malformedKey,
    },
    {
      label: 'key after an NBSP',
      bytes: Buffer.from(request(`GET ${VISITORS} HTTP/1.1`, `X-API-Key: \xa0${acme.plainKey}`), 'latin1'),
      expect: malformedKey,
    },
    {
      label: 'key before an NBSP, between spaces',
      bytes: Buffer.from(request(`GET ${VISITORS} HTTP/1.1`, `X-API-Key:  ${acme.plainKey}\xa0 `), 'latin1'),
      expect: malformedKey,
    },
    {
      label: 'partner key wrapped in NBSP',
      bytes: Buffer.from(request('GET /api/v1/partner/reports HTTP/1.1', `X-Partner-API-Key: \xa0${partner.plainKey}\xa0`), 'latin1'),
      expect: malformedKey,
    },
    {
      label: 'oversized headers',
      bytes: request(`GET ${VISITORS} HTTP/1.1`, key, `X-Filler: ${'x'.repeat(20_000)}`),
      expect: { status: 431, code: 'headers_too_large' },
    },
    {
      label: 'many headers over the size limit',
      bytes: request(`GET ${VISITORS} HTTP/1.1`, key, ...Array.from({ length: 3_000 }, (_, i) => `X-H${i}: vvvvv`)),
      expect: { status: 431, code: 'headers_too_large' },
    },
    {
      label: 'second credential after 1500 padding headers',
      bytes: request(`GET ${VISITORS} HTTP/1.1`, key, ...padding, `X-API-Key: ${globex.plainKey}`),
      expect: ambiguous,
    },
    {
      label: 'method override after 1500 padding headers',
      bytes: request(`POST ${LISTS} HTTP/1.1`, key, ...padding, 'X-HTTP-Method-Override: DELETE', 'Content-Length: 0'),
      expect: badHeader,
    },
    { label: 'NUL in a header value', bytes: request(`GET ${VISITORS} HTTP/1.1`, key, 'X-Note: a\0b'), expect: malformed },
    {
      label: 'bare CR injecting a header',
      bytes: request(`GET ${VISITORS} HTTP/1.1`, key, 'X-Note: a\rX-Bullseye-Organization-Id: globex'),
      expect: malformed,
    },
    {
      label: 'bare LF injecting a header',
      bytes: request(`GET ${VISITORS} HTTP/1.1`, 'X-Note: a\nX-API-Key: ' + acme.plainKey, key),
      expect: malformed,
    },
    { label: 'space before the colon', bytes: request(`GET ${VISITORS} HTTP/1.1`, `X-API-Key : ${acme.plainKey}`), expect: malformed },
    {
      label: 'obs-fold continuing the credential',
      bytes: request(`GET ${VISITORS} HTTP/1.1`, 'X-API-Key: bsk_live_', ` ${hexOf}`),
      expect: malformed,
    },
  ];

  // The hidden request would be served if the parser lost track of the body; it carries a valid key.
  const hidden = request(`GET ${VISITORS} HTTP/1.1`, key).replace('Connection: close\r\n', '');
  const smuggling: Attack[] = [
    {
      label: 'Content-Length and Transfer-Encoding',
      bytes: `POST ${LISTS} HTTP/1.1\r\nHost: gw.test\r\n${key}\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n0\r\n\r\n`,
      expect: malformed,
    },
    {
      label: 'two different Content-Length values',
      bytes: `POST ${LISTS} HTTP/1.1\r\nHost: gw.test\r\n${key}\r\nContent-Length: 2\r\nContent-Length: 4\r\nConnection: close\r\n\r\n{}{}`,
      expect: malformed,
    },
    {
      label: 'two equal Content-Length headers',
      bytes: `POST ${LISTS} HTTP/1.1\r\nHost: gw.test\r\n${key}\r\nContent-Length: 2\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`,
      expect: malformed,
    },
    {
      label: 'Content-Length list "2, 2"',
      bytes: `POST ${LISTS} HTTP/1.1\r\nHost: gw.test\r\n${key}\r\nContent-Length: 2, 2\r\nConnection: close\r\n\r\n{}`,
      expect: malformed,
    },
    {
      label: 'Transfer-Encoding: chunked, identity',
      bytes: `POST ${LISTS} HTTP/1.1\r\nHost: gw.test\r\n${key}\r\nTransfer-Encoding: chunked, identity\r\nConnection: close\r\n\r\n0\r\n\r\n`,
      expect: malformed,
    },
    {
      label: 'obs-fold Transfer-Encoding',
      bytes: `POST ${LISTS} HTTP/1.1\r\nHost: gw.test\r\n${key}\r\nTransfer-Encoding:\r\n chunked\r\nConnection: close\r\n\r\n0\r\n\r\n`,
      expect: malformed,
    },
    {
      label: 'chunk-size garbage',
      bytes: `POST ${LISTS} HTTP/1.1\r\nHost: gw.test\r\n${key}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\n{}\r\n0\r\n\r\n`,
      expect: malformed,
    },
    {
      label: 'negative Content-Length',
      bytes: `POST ${LISTS} HTTP/1.1\r\nHost: gw.test\r\n${key}\r\nContent-Length: -1\r\nConnection: close\r\n\r\n`,
      expect: malformed,
    },
    {
      label: "a second request hidden in a refused request's body",
      bytes: `POST ${LISTS} HTTP/1.1\r\nHost: gw.test\r\nContent-Length: ${hidden.length}\r\nConnection: close\r\n\r\n${hidden}`,
      expect: { status: 401, code: 'missing_key' },
    },
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
    {
      label: 'partner key in X-API-Key',
      bytes: request(`GET ${VISITORS} HTTP/1.1`, `X-API-Key: ${partner.plainKey}`),
      expect: malformedKey,
    },
    {
      label: 'org key in X-Partner-API-Key',
      bytes: request('GET /api/v1/whoami HTTP/1.1', `X-Partner-API-Key: ${acme.plainKey}`),
      expect: malformedKey,
    },
    {
      label: 'uppercase hex',
      bytes: request(`GET ${VISITORS} HTTP/1.1`, `X-API-Key: bsk_live_${hexOf.toUpperCase()}`),
      expect: malformedKey,
    },
    { label: 'uppercase prefix', bytes: request(`GET ${VISITORS} HTTP/1.1`, `X-API-Key: BSK_LIVE_${hexOf}`), expect: malformedKey },
    {
      label: 'one character short',
      bytes: request(`GET ${VISITORS} HTTP/1.1`, `X-API-Key: ${acme.plainKey.slice(0, -1)}`),
      expect: malformedKey,
    },
    { label: 'one character long', bytes: request(`GET ${VISITORS} HTTP/1.1`, `X-API-Key: ${acme.plainKey}0`), expect: malformedKey },
    { label: 'prefix only', bytes: request(`GET ${VISITORS} HTTP/1.1`, 'X-API-Key: bsk_live_'), expect: malformedKey },
    { label: 'empty key', bytes: request(`GET ${VISITORS} HTTP/1.1`, 'X-API-Key: '), expect: malformedKey },
    {
      label: 'well-formed unknown key',
      bytes: request(`GET ${VISITORS} HTTP/1.1`, `X-API-Key: bsk_live_${'0'.repeat(32)}`),
      expect: { status: 401, code: 'invalid_key' },
    },
    {
      label: 'key in the query string',
      bytes: request(`GET ${VISITORS}?api_key=${acme.plainKey} HTTP/1.1`),
      expect: { status: 401, code: 'missing_key' },
    },
    {
      label: 'key in Authorization',
      bytes: request(`GET ${VISITORS} HTTP/1.1`, `Authorization: Bearer ${acme.plainKey}`),
      expect: { status: 401, code: 'missing_key' },
    },
    { label: 'acme key on globex', bytes: request('GET /api/v1/organization/globex/visitors HTTP/1.1', key), expect: wrongOrg },
    {
      label: 'acme key on a case variant of acme',
      bytes: request('GET /api/v1/organization/Acme/visitors HTTP/1.1', key),
      expect: wrongOrg,
    },
    { label: 'acme key on ACME', bytes: request('GET /api/v1/organization/ACME/visitors HTTP/1.1', key), expect: wrongOrg },
    {
      label: 'acme key on URL-encoded %61cme (never read as acme)',
      bytes: request('GET /api/v1/organization/%61cme/visitors HTTP/1.1', key),
      expect: badTarget,
    },
    {
      label: 'globex key on URL-encoded %61cme',
      bytes: request('GET /api/v1/organization/%61cme/visitors HTTP/1.1', `X-API-Key: ${globex.plainKey}`),
      expect: badTarget,
    },
    {
      label: 'read key on a write route',
      bytes: request(`POST ${LISTS} HTTP/1.1`, `X-API-Key: ${stack.key({ org: 'acme', scopes: ['read'] }).plainKey}`, 'Content-Length: 0'),
      expect: { status: 403, code: 'insufficient_scope' },
    },
    {
      label: 'partner key on an organization route',
      bytes: request(`GET ${VISITORS} HTTP/1.1`, `X-Partner-API-Key: ${partner.plainKey}`),
      expect: { status: 403, code: 'wrong_key_family' },
    },
  ];

  runAttackGroups(
    t,
    stack,
    {
      'path tricks': pathTricks,
      'header tricks': headerTricks,
      smuggling,
      'method tricks': methodTricks,
      'credential tricks': credentialTricks,
    },
    request(`GET ${VISITORS} HTTP/1.1`, key),
  );

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
