// screenHeaders and screenRoute as pure functions, table-driven: every
// spelling of a method override, a credential twin, a bad Host, a `_method`
// query parameter and a restated path parameter, next to the look-alikes that
// must pass. The same cases over real sockets are in attacks.test.ts.
import t from 'tap';
import type { ErrorCode } from '../../core/errors.js';
import type { RouteRule } from '../../gateway/pipeline/policy-view.js';
import { isValidHost } from '../../gateway/pipeline/host-header.js';
import { screenHeaders, screenRoute } from '../../gateway/pipeline/screen-request.js';

const KEY = `bsk_live_${'0123456789abcdef'.repeat(2)}`;
const PARTNER_KEY = `pk_live_${'0123456789abcdef'.repeat(2)}`;

/** A RouteRule as the compiled policy makes one; each test route is its own object (param names are cached per route). */
const routeRule = (template: string, overrides: Partial<RouteRule> = {}): RouteRule => ({
  method: 'GET',
  template,
  public: false,
  scope: 'read',
  family: 'org',
  upstream: { name: 'app', origin: 'http://127.0.0.1:1', forwardKey: false, timeoutMs: 1000 },
  cost: 1,
  rateLimits: null,
  websocket: false,
  organizationParam: template.includes('{organization_id}'),
  partnerParam: template.includes('{partner_id}'),
  ...overrides,
});

type Verdict = 'ok' | ErrorCode;

t.test('screenHeaders', async (t) => {
  const CASES: [label: string, rawHeaders: string[], expected: Verdict][] = [
    ['no headers', [], 'ok'],
    ['ordinary headers', ['Host', 'api.example', 'Accept', '*/*', 'X-API-Key', KEY], 'ok'],
    // Host
    ['second Host', ['Host', 'a.example', 'host', 'b.example'], 'invalid_header'],
    ['Host with a space', ['Host', 'api .example'], 'invalid_header'],
    ['Host with userinfo', ['Host', 'user:pass@api.example'], 'invalid_header'],
    ['Host with a path', ['Host', 'api.example/admin'], 'invalid_header'],
    ['Host with port 99999', ['Host', 'api.example:99999'], 'invalid_header'],
    // Method overrides, every spelling of every name
    ['X-HTTP-Method-Override', ['X-HTTP-Method-Override', 'DELETE'], 'invalid_header'],
    ['X-HTTP-Method', ['X-HTTP-Method', 'DELETE'], 'invalid_header'],
    ['X-Method-Override', ['X-Method-Override', 'DELETE'], 'invalid_header'],
    ['x-http-method-override, lower case', ['x-http-method-override', 'DELETE'], 'invalid_header'],
    ['X_HTTP_Method_Override (underscores)', ['X_HTTP_Method_Override', 'DELETE'], 'invalid_header'],
    ['X_HTTP_METHOD (underscores, upper case)', ['X_HTTP_METHOD', 'DELETE'], 'invalid_header'],
    ['x_method-override (mixed separators)', ['x_method-override', 'PUT'], 'invalid_header'],
    ['method override after other headers', ['Host', 'a', 'Accept', '*/*', 'X-Http-Method-Override', 'PATCH'], 'invalid_header'],
    ['X-HTTP-Method-Overrides is another header', ['X-HTTP-Method-Overrides', 'DELETE'], 'ok'],
    ['X-Method is another header', ['X-Method', 'DELETE'], 'ok'],
    // Credential twins
    ['X_API_Key alone', ['X_API_Key', KEY], 'ambiguous_credentials'],
    ['X_API_Key next to X-API-Key', ['X-API-Key', KEY, 'X_API_Key', KEY], 'ambiguous_credentials'],
    ['x_api-key (one underscore)', ['X-API-Key', KEY, 'x_api-key', KEY], 'ambiguous_credentials'],
    [
      'X_Partner_API_Key next to X-Partner-API-Key',
      ['X-Partner-API-Key', PARTNER_KEY, 'X_Partner_API_Key', PARTNER_KEY],
      'ambiguous_credentials',
    ],
    ['x_partner_api_key, lower case', ['x_partner_api_key', PARTNER_KEY], 'ambiguous_credentials'],
    ['partner twin next to an org key', ['X-API-Key', KEY, 'X_PARTNER_API_KEY', PARTNER_KEY], 'ambiguous_credentials'],
    ['the credential itself, any case', ['x-API-key', KEY], 'ok'],
    ['X-API-Keys is another header', ['X_API_Keys', KEY], 'ok'],
  ];
  for (const [label, rawHeaders, expected] of CASES) {
    const result = screenHeaders(rawHeaders);
    t.equal(result?.code ?? 'ok', expected, label);
    if (result) {
      t.equal(result.status, 400, `${label}: 400`);
      t.notOk(result.message.includes(KEY) || result.message.includes(PARTNER_KEY), `${label}: the key is not echoed`);
    }
  }
});

t.test('isValidHost', async (t) => {
  const CASES: [host: string, valid: boolean][] = [
    ['api.example', true],
    ['api.example:8080', true],
    ['localhost', true],
    ['my_service:3000', true],
    ['fully.qualified.example.', true],
    ['127.0.0.1', true],
    ['127.0.0.1:65535', true],
    ['10.0.0.9:1', true],
    ['[::1]', true],
    ['[::1]:8080', true],
    ['[2001:db8::8a2e:370:7334]:443', true],
    ['[::ffff:192.0.2.1]', true],
    ['xn--bcher-kva.example', true],
    // whitespace, userinfo, path, query, fragment
    ['', false],
    ['api .example', false],
    ['api.example ', false],
    ['\tapi.example', false],
    ['user:pass@api.example', false],
    ['user@api.example', false],
    ['api.example/admin', false],
    ['api.example:8080/admin', false],
    ['api.example?x=1', false],
    ['api.example#x', false],
    ['api.example\\admin', false],
    // ports
    ['api.example:', false],
    ['api.example:0', false],
    ['api.example:65536', false],
    ['api.example:99999', false],
    ['api.example:080', false],
    ['api.example:8o', false],
    ['api.example:-1', false],
    ['api.example:80:80', false],
    ['api.example:123456', false],
    // IPv4 look-alikes an URL parser reads as another address
    ['256.0.0.1', false],
    ['1.2.3.999', false],
    ['1.2.3', false],
    ['127.1', false],
    ['2130706433', false],
    ['0x7f.0.0.1', false],
    ['127.0.0.0x1', false],
    ['0177.0.0.1', false],
    ['01.2.3.4', false],
    ['1.2.3.4.', false],
    ['1.2.3.4.5', false],
    // IPv6
    ['::1', false],
    ['[::1', false],
    ['[::1]]', false],
    ['[::1]x', false],
    ['[::1]:', false],
    ['[::1]:0', false],
    ['[::g]', false],
    ['[1::2::3]', false],
    ['[fe80::1%eth0]', false],
    ['[fe80::1%25eth0]', false],
    ['[v1.fe]', false],
    ['[]', false],
    // reg-name characters and labels
    ['a,b.example', false],
    ['a;b.example', false],
    ['a%2eb.example', false],
    ["a'b.example", false],
    ['.api.example', false],
    ['api..example', false],
    ['caf\u00e9.example', false],
    ['api.example\u00a0', false],
  ];
  for (const [host, valid] of CASES) t.equal(isValidHost(host), valid, `${JSON.stringify(host)} ${valid ? 'accepted' : 'refused'}`);
});

t.test('screenRoute', async (t) => {
  const params = { organization_id: 'acme', listId: 'l-1' };
  const CASES: [label: string, query: string, expected: Verdict][] = [
    ['empty query', '', 'ok'],
    ['unrelated parameters', '?page=2&sort=name', 'ok'],
    ['the same organization restated', '?organization_id=acme', 'ok'],
    ['the same value, escaped', '?organization_id=%61cme', 'ok'],
    ['the same list restated with another spelling', '?list_id=l-1', 'ok'],
    ['a longer name is another parameter', '?organization_id_filter=globex', 'ok'],
    ['a parameter named like a word of the name', '?organization=globex&id=globex', 'ok'],
    ['a nested map under another name', '?organization[id]=globex', 'ok'],
    ['method is not _method', '?method=card', 'ok'],
    ['_methods is not _method', '?_methods=DELETE', 'ok'],
    // restated with another value
    ['organization_id=globex', '?organization_id=globex', 'invalid_request_target'],
    ['after other parameters', '?page=2&organization_id=globex', 'invalid_request_target'],
    ['second copy differs', '?organization_id=acme&organization_id=globex', 'invalid_request_target'],
    ['upper-case name', '?ORGANIZATION_ID=globex', 'invalid_request_target'],
    ['hyphenated name', '?organization-id=globex', 'invalid_request_target'],
    ['camel-case name', '?organizationId=globex', 'invalid_request_target'],
    ['dotted name (PHP reads it as organization_id)', '?organization.id=globex', 'invalid_request_target'],
    ['+ for a space in the name (PHP reads it as organization_id)', '?organization+id=globex', 'invalid_request_target'],
    ['escaped underscore', '?organization%5Fid=globex', 'invalid_request_target'],
    ['escaped letters', '?%6Frganization_id=globex', 'invalid_request_target'],
    ['fullwidth letters', '?%EF%BD%8Frganization_id=globex', 'invalid_request_target'],
    ['dotless i (Java equalsIgnoreCase reads it as i)', '?organ%C4%B1zation_id=globex', 'invalid_request_target'],
    ['array suffix', '?organization_id[]=globex', 'invalid_request_target'],
    ['; as a separator', '?x=1;organization_id=globex', 'invalid_request_target'],
    ['no value', '?organization_id', 'invalid_request_target'],
    ['empty value', '?organization_id=', 'invalid_request_target'],
    ['case variant of the value', '?organization_id=ACME', 'invalid_request_target'],
    ['+ in the value (a space to form decoders)', '?organization_id=acme+', 'invalid_request_target'],
    ['value not UTF-8', '?organization_id=acme%FF', 'invalid_request_target'],
    ['the second path parameter', '?list_id=l-2', 'invalid_request_target'],
    ['the second path parameter, its own spelling', '?listId=l-2', 'invalid_request_target'],
    // method override
    ['_method', '?_method=DELETE', 'invalid_request_target'],
    ['_METHOD', '?_METHOD=DELETE', 'invalid_request_target'],
    ['_method without a value', '?_method', 'invalid_request_target'],
    ['.method (PHP reads it as _method)', '?.method=DELETE', 'invalid_request_target'],
    ['+method (PHP reads it as _method)', '?+method=DELETE', 'invalid_request_target'],
    ['escaped _method', '?%5Fmethod=DELETE', 'invalid_request_target'],
    ['_method[]', '?_method[]=DELETE', 'invalid_request_target'],
    ['_method after other parameters', '?a=1&_method=PUT', 'invalid_request_target'],
  ];
  for (const [label, query, expected] of CASES) {
    // A fresh route object per case: the parameter names are cached per route.
    const route = routeRule('/api/v1/organization/{organization_id}/lists/{listId}');
    const result = screenRoute(route, params, query);
    t.equal(result?.code ?? 'ok', expected, `${label}: ${query}`);
    if (result) t.notMatch(result.message, /globex/, `${label}: the claimed value is not echoed`);
  }

  t.test('escaped path values compare decoded', async (t) => {
    const route = routeRule('/api/v1/organization/{organization_id}/visitors');
    const escaped = { organization_id: 'caf%C3%A9' };
    t.equal(screenRoute(route, escaped, '?organization_id=caf%C3%A9'), undefined, 'same escapes');
    t.equal(screenRoute(route, escaped, '?organization_id=caf%c3%a9'), undefined, 'lower-case escapes');
    t.equal(screenRoute(route, escaped, '?organization_id=cafe')?.code, 'invalid_request_target', 'another value');
    const plus = { organization_id: 'a+b' };
    t.equal(screenRoute(route, plus, '?organization_id=a%2Bb'), undefined, 'an escaped plus is a plus to every decoder');
    t.equal(screenRoute(route, plus, '?organization_id=a+b')?.code, 'invalid_request_target', 'a raw plus is a space to form decoders');
  });

  t.test('a route without parameters still refuses _method', async (t) => {
    const route = routeRule('/status', { public: true });
    t.equal(screenRoute(route, {}, '?organization_id=globex'), undefined);
    t.equal(screenRoute(route, {}, '?_method=DELETE')?.code, 'invalid_request_target');
  });

  t.test('a long query is one pass', async (t) => {
    const route = routeRule('/api/v1/organization/{organization_id}/visitors');
    const many = `?${'a&'.repeat(50_000)}organization_id=acme`;
    const started = performance.now();
    t.equal(screenRoute(route, { organization_id: 'acme' }, many), undefined);
    t.equal(screenRoute(route, { organization_id: 'acme' }, `${many}&organization_id=globex`)?.code, 'invalid_request_target');
    t.ok(performance.now() - started < 500, 'linear in the query length');
  });
});
