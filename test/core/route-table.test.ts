// The compiled route matcher: literal beats parameter, backtracking when a
// literal branch dead-ends, exact methods, and load-time errors for patterns
// that are invalid or that two routes would share.
import t from 'tap';
import { parsePattern, RouteTable } from '../../core/route-table.js';

function table(routes: [method: string, pattern: string][]): RouteTable<string> {
  const routesTable = new RouteTable<string>();
  for (const [method, pattern] of routes) routesTable.add(method, pattern, `${method} ${pattern}`);
  return routesTable;
}

const routes = table([
  ['GET', '/'],
  ['GET', '/api/v1/organization/{organization_id}/api-keys'],
  ['POST', '/api/v1/organization/{organization_id}/api-keys'],
  ['DELETE', '/api/v1/organization/{organization_id}/api-keys/{keyId}'],
  ['GET', '/api/v1/partner/api-keys'],
  ['GET', '/api/v1/{resource}/api-keys'],
  ['GET', '/files/special/latest'],
  ['GET', '/files/{name}/versions'],
  ['GET', '/files/{name}'],
  ['GET', '/files/special'],
  ['GET', '/a/{x}/{y}/c'],
  ['GET', '/a/b/{z}/d'],
]);

type Lookup = [label: string, method: string, path: string, route: string | undefined, params?: Record<string, string>];

const LOOKUPS: Lookup[] = [
  ['root', 'GET', '/', 'GET /', {}],
  [
    'params captured',
    'GET',
    '/api/v1/organization/org_1/api-keys',
    'GET /api/v1/organization/{organization_id}/api-keys',
    { organization_id: 'org_1' },
  ],
  [
    'two params captured in order',
    'DELETE',
    '/api/v1/organization/org_1/api-keys/key_2',
    'DELETE /api/v1/organization/{organization_id}/api-keys/{keyId}',
    { organization_id: 'org_1', keyId: 'key_2' },
  ],
  ['escapes captured as sent', 'GET', '/files/caf%C3%A9', 'GET /files/{name}', { name: 'caf%C3%A9' }],
  ['literal beats param', 'GET', '/api/v1/partner/api-keys', 'GET /api/v1/partner/api-keys', {}],
  ['param when no literal fits', 'GET', '/api/v1/widgets/api-keys', 'GET /api/v1/{resource}/api-keys', { resource: 'widgets' }],
  ['literal beats param at the leaf', 'GET', '/files/special', 'GET /files/special', {}],
  ['deeper literal path', 'GET', '/files/special/latest', 'GET /files/special/latest', {}],
  [
    'backtrack: literal "special" branch has no /versions, param branch has',
    'GET',
    '/files/special/versions',
    'GET /files/{name}/versions',
    { name: 'special' },
  ],
  ['backtrack: literal "b" branch captures {z} then dead-ends; {z} is dropped', 'GET', '/a/b/q/c', 'GET /a/{x}/{y}/c', { x: 'b', y: 'q' }],
  ['literal branch taken when it completes', 'GET', '/a/b/q/d', 'GET /a/b/{z}/d', { z: 'q' }],
  ['no literal at that depth: param branch directly', 'GET', '/a/zz/q/c', 'GET /a/{x}/{y}/c', { x: 'zz', y: 'q' }],
  ['method is exact: HEAD is not GET', 'HEAD', '/files/x', undefined],
  ['method is exact: lower case is another method', 'get', '/files/x', undefined],
  ['method is exact: POST only where declared', 'POST', '/api/v1/partner/api-keys', undefined],
  [
    'POST on the org route',
    'POST',
    '/api/v1/organization/o/api-keys',
    'POST /api/v1/organization/{organization_id}/api-keys',
    { organization_id: 'o' },
  ],
  ['prefix of a route is not a route', 'GET', '/api/v1/organization/org_1', undefined],
  ['longer than any route', 'GET', '/files/x/versions/1', undefined],
  ['unknown first segment', 'GET', '/nope', undefined],
  ['literal matching is case-sensitive', 'GET', '/FILES/special', undefined],
];

t.test('match', async (t) => {
  for (const [label, method, path, route, params] of LOOKUPS) {
    const found = routes.match(method, path);
    if (route === undefined) t.equal(found, undefined, `${label}: ${method} ${path} matches nothing`);
    else t.same(found, { value: route, params }, `${label}: ${method} ${path}`);
  }
});

t.test('hasPath ignores the method', async (t) => {
  t.ok(routes.hasPath('/api/v1/partner/api-keys'), 'a path with only a GET route');
  t.ok(routes.hasPath('/api/v1/organization/o/api-keys/k'), 'a path with only a DELETE route');
  t.ok(routes.hasPath('/files/special/versions'), 'found by backtracking');
  t.ok(routes.hasPath('/'), 'root');
  t.notOk(routes.hasPath('/api/v1/organization/o'), 'an inner node is not a path');
  t.notOk(routes.hasPath('/nope'), 'unknown');
});

t.test('an empty table matches nothing', async (t) => {
  const empty = new RouteTable<string>();
  t.equal(empty.match('GET', '/'), undefined);
  t.notOk(empty.hasPath('/'));
});

t.test('conflicting routes are refused at load time', async (t) => {
  const CONFLICTS: [label: string, first: string, second: string, message: RegExp][] = [
    ['exact duplicate', '/a/{id}', '/a/{id}', /^duplicate route "GET \/a\/\{id\}"$/],
    ['same shape, different param names', '/a/{id}', '/a/{name}', /"GET \/a\/\{name\}" and "GET \/a\/\{id\}" match the same requests/],
    ['duplicate root', '/', '/', /duplicate route "GET \/"/],
  ];
  for (const [label, first, second, message] of CONFLICTS) {
    const conflicting = new RouteTable<number>();
    conflicting.add('GET', first, 1);
    t.throws(() => conflicting.add('GET', second, 2), { message }, label);
    t.same(
      conflicting.match('GET', first.replace(/\{\w+\}/g, 'v')),
      { value: 1, params: first === '/' ? {} : { id: 'v' } },
      `${label}: first route kept`,
    );
  }
  const distinct = new RouteTable<number>();
  distinct.add('GET', '/a/{id}', 1);
  distinct.add('POST', '/a/{name}', 2);
  distinct.add('GET', '/a/literal', 3);
  t.same(distinct.match('POST', '/a/v'), { value: 2, params: { name: 'v' } }, 'same shape under another method is allowed');
  t.same(distinct.match('GET', '/a/v'), { value: 1, params: { id: 'v' } }, 'each method keeps its own param names');
});

t.test('parsePattern', async (t) => {
  const VALID: [pattern: string, segments: string[], paramNames: string[]][] = [
    ['/', [], []],
    ['/a', ['a'], []],
    ['/a/{b}/c/{d_2}', ['a', '{b}', 'c', '{d_2}'], ['b', 'd_2']],
    ['/{_x}', ['{_x}'], ['_x']],
    ['/v1/org:batch', ['v1', 'org:batch'], []],
  ];
  for (const [pattern, segments, paramNames] of VALID) {
    t.same(parsePattern(pattern), { ok: true, segments, paramNames }, pattern);
  }
  const INVALID: [label: string, pattern: string, problem: RegExp][] = [
    ['empty', '', /must start with \//],
    ['relative', 'a/b', /must start with \//],
    ['trailing slash', '/a/', /empty or dot segment/],
    ['double slash', '/a//b', /empty or dot segment/],
    ['dot segment', '/a/./b', /empty or dot segment/],
    ['parent segment', '/a/../b', /empty or dot segment/],
    ['param used twice', '/a/{id}/b/{id}', /uses \{id\} twice/],
    ['param name starting with a digit', '/a/{1x}', /invalid segment "\{1x\}"/],
    ['param name with a hyphen', '/a/{a-b}', /invalid segment/],
    ['param inside a segment', '/a/x{id}', /invalid segment/],
    ['unclosed brace', '/a/{id', /invalid segment/],
    ['empty braces', '/a/{}', /invalid segment/],
    ['percent escape', '/a%2Fb', /invalid segment/],
    ['query', '/a?x=1', /invalid segment/],
    ['fragment', '/a#x', /invalid segment/],
    ['path parameter', '/a;x', /invalid segment/],
    ['backslash', '/a\\b', /invalid segment/],
    ['space', '/a b', /invalid segment/],
  ];
  for (const [label, pattern, problem] of INVALID) {
    const result = parsePattern(pattern);
    t.equal(result.ok, false, `${label}: rejected`);
    if (!result.ok) t.match(result.problem, problem, `${label}: problem names the fault`);
  }
  t.throws(() => new RouteTable().add('GET', '/a/', 1), { message: /empty or dot segment/ }, 'add throws the parse problem');
});
