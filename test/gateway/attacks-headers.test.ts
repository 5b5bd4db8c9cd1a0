// The attack suite, header part: every spelling of a credential or an
// identity claim (case, `_` for `-`, padding, folding, control bytes) is
// refused with a 4xx problem document and nothing reaches the upstream.
import t from 'tap';
import { type Attack, EXPECT, LISTS, PADDING, request, runAttackGroups, startAttackStack, VISITORS } from '../helpers/attack-suite.js';

t.test('attack suite: headers', async (t) => {
  const { stack, acme, globex, partner, key, hexOf } = await startAttackStack(t);
  const { badTarget, malformed, ambiguous, badHeader, malformedKey } = EXPECT;

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
      bytes: request(`GET ${VISITORS} HTTP/1.1`, key, ...PADDING, `X-API-Key: ${globex.plainKey}`),
      expect: ambiguous,
    },
    {
      label: 'method override after 1500 padding headers',
      bytes: request(`POST ${LISTS} HTTP/1.1`, key, ...PADDING, 'X-HTTP-Method-Override: DELETE', 'Content-Length: 0'),
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

  runAttackGroups(t, stack, { 'header tricks': headerTricks }, request(`GET ${VISITORS} HTTP/1.1`, key));
});
