// The compiled policy's lookup: exact, case-sensitive, literal segments beat
// parameters, params captured by name, unknown method or path: no match.
import t from 'tap';
import { parsePolicy } from '../../config/policy.js';

const policy = parsePolicy(
  `upstreams: { bullseye: http://127.0.0.1:9000, admin: http://127.0.0.1:8081 }
defaults: { upstream: bullseye }
routes:
  GET /api/v1/organization/{organization_id}/lists: read
  GET /api/v1/organization/{organization_id}/lists/{list_id}: read
  GET /api/v1/organization/{organization_id}/lists/export: { scope: write, cost: 5 }
  GET /api/v1/organization/mine/lists: { scope: read, key: any }
  DELETE /api/v1/organization/{organization_id}/lists/{list_id}: write
  GET /api/v1/partner/api-keys: { scope: read, key: partner, upstream: admin }
  GET /status: public
`,
  'match.yaml',
);

const cases: { name: string; method: string; path: string; template?: string; params?: Record<string, string> }[] = [
  {
    name: 'param route',
    method: 'GET',
    path: '/api/v1/organization/org_1/lists',
    template: '/api/v1/organization/{organization_id}/lists',
    params: { organization_id: 'org_1' },
  },
  {
    name: 'two params',
    method: 'GET',
    path: '/api/v1/organization/org_1/lists/l_9',
    template: '/api/v1/organization/{organization_id}/lists/{list_id}',
    params: { organization_id: 'org_1', list_id: 'l_9' },
  },
  {
    name: 'a literal beats a param at the same place',
    method: 'GET',
    path: '/api/v1/organization/org_1/lists/export',
    template: '/api/v1/organization/{organization_id}/lists/export',
    params: { organization_id: 'org_1' },
  },
  {
    name: 'a literal earlier in the path beats a param',
    method: 'GET',
    path: '/api/v1/organization/mine/lists',
    template: '/api/v1/organization/mine/lists',
    params: {},
  },
  {
    name: 'the literal branch dead-ends, the param branch still matches',
    method: 'GET',
    path: '/api/v1/organization/mine/lists/l_2',
    template: '/api/v1/organization/{organization_id}/lists/{list_id}',
    params: { organization_id: 'mine', list_id: 'l_2' },
  },
  {
    name: 'method selects the route',
    method: 'DELETE',
    path: '/api/v1/organization/o/lists/l',
    template: '/api/v1/organization/{organization_id}/lists/{list_id}',
  },
  { name: 'public route', method: 'GET', path: '/status', template: '/status', params: {} },
  { name: 'unlisted method', method: 'POST', path: '/status' },
  { name: 'HEAD is not implied by GET', method: 'HEAD', path: '/status' },
  { name: 'case-sensitive path', method: 'GET', path: '/STATUS' },
  { name: 'case-sensitive method', method: 'get', path: '/status' },
  { name: 'no prefix match', method: 'GET', path: '/status/x' },
  { name: 'no partial match', method: 'GET', path: '/api/v1/organization/o' },
  { name: 'unknown path', method: 'GET', path: '/nope' },
];

for (const c of cases) {
  t.test(c.name, async (t) => {
    const found = policy.match(c.method, c.path);
    if (c.template === undefined) {
      t.equal(found, undefined, 'no route');
      return;
    }
    t.equal(found?.value.template, c.template);
    t.equal(found?.value.method, c.method);
    if (c.params) t.same(found?.params, c.params);
  });
}

t.test('a match returns the compiled route itself', async (t) => {
  const found = policy.match('GET', '/api/v1/partner/api-keys');
  t.equal(found?.value, policy.routes[5]);
  t.match(found?.value, { scope: 'read', family: 'partner', upstream: { name: 'admin' }, cost: 1 });
  t.match(policy.match('GET', '/api/v1/organization/o/lists/export')?.value, { cost: 5, scope: 'write', organizationParam: true });
});
