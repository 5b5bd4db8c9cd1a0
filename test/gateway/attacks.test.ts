// The attack suite over real sockets, request targets, methods and
// credentials sent as exact bytes: every refused case must end in a 4xx
// problem document with nothing reaching the upstream, and the gateway must
// keep serving. The rest of the suite: attacks-headers (header spellings and
// claims), attacks-smuggling (framing), attacks-accepted (claims replaced, not
// refused), attacks-host-query (Host and query).
import t from 'tap';
import { hashKey } from '../../core/keys.js';
import { type Attack, EXPECT, LISTS, request, runAttackGroups, startAttackStack, VISITORS } from '../helpers/attack-suite.js';

const PARTNER_REPORTS = '/api/v1/partner/reports';

t.test('attack suite: targets, methods and credentials', async (t) => {
  const { stack, acme, globex, partner, key, hexOf } = await startAttackStack(t);
  const { badTarget, malformed, noRoute, badHeader, malformedKey, wrongOrg } = EXPECT;

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
      label: 'partner key on an organization route (no key for it)',
      bytes: request(`GET ${VISITORS} HTTP/1.1`, `X-Partner-API-Key: ${partner.plainKey}`),
      expect: { status: 401, code: 'missing_key' },
    },
  ];

  // A route reads its own family's header only, and decides that before any hash: a revoked or unknown
  // key in the other header is no key (missing_key), never key_revoked or invalid_key, which only a
  // lookup could tell. The control case shows the revocation is in the gateway's replica.
  const revoked = stack.key({ org: 'acme', scopes: ['read'] });
  stack.admin.store.revokeKey(revoked.id);
  t.equal(stack.replica.findByHash(hashKey(revoked.plainKey))?.status, 'revoked', 'the replica knows the key is revoked');
  const missingKey = { status: 401, code: 'missing_key' };
  const familyTricks: Attack[] = [
    {
      label: 'control: the revoked key on its own route',
      bytes: request(`GET ${VISITORS} HTTP/1.1`, `X-API-Key: ${revoked.plainKey}`),
      expect: { status: 401, code: 'key_revoked' },
    },
    {
      label: 'revoked org key on a partner route',
      bytes: request(`GET ${PARTNER_REPORTS} HTTP/1.1`, `X-API-Key: ${revoked.plainKey}`),
      expect: missingKey,
    },
    {
      label: 'unknown org key on a partner route',
      bytes: request(`GET ${PARTNER_REPORTS} HTTP/1.1`, `X-API-Key: bsk_live_${'0'.repeat(32)}`),
      expect: missingKey,
    },
    { label: 'valid org key on a partner route', bytes: request(`GET ${PARTNER_REPORTS} HTTP/1.1`, key), expect: missingKey },
    {
      label: 'junk in X-API-Key on a partner route',
      bytes: request(`GET ${PARTNER_REPORTS} HTTP/1.1`, 'X-API-Key: junk'),
      expect: missingKey,
    },
    {
      label: 'both headers on a partner route: still ambiguous',
      bytes: request(`GET ${PARTNER_REPORTS} HTTP/1.1`, key, `X-Partner-API-Key: ${partner.plainKey}`),
      expect: EXPECT.ambiguous,
    },
  ];

  runAttackGroups(
    t,
    stack,
    { 'path tricks': pathTricks, 'method tricks': methodTricks, 'credential tricks': credentialTricks, 'the other family': familyTricks },
    request(`GET ${VISITORS} HTTP/1.1`, key),
  );
});
