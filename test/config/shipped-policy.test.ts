// The policy we ship loads, covers the documented API, and every route in it
// is reachable by a request path that the gateway would accept.
import t from 'tap';
import { problemsOf } from '../helpers/problems.js';
import { ADMIN_ROUTES } from '../../admin/routes.js';
import { loadPolicyFile } from '../../config/policy.js';
import { canonicalizeTarget } from '../../core/request-target.js';

const policy = loadPolicyFile('config/policy.yaml');

/** A request path for a route: each {param} replaced by a value no literal segment uses. */
const samplePath = (template: string) => template.replace(/\{([A-Za-z0-9_]+)\}/g, (_, name: string) => `x-${name}-1`);

t.test('every route is reachable by a canonical request path', async (t) => {
  for (const route of policy.routes) {
    const path = samplePath(route.template);
    const target = canonicalizeTarget(path);
    t.ok(target.ok, `${path} is a canonical target`);
    const found = policy.match(route.method, path);
    t.equal(found?.value, route, `${route.method} ${path} reaches ${route.template}`);
  }
});

t.test("every key endpoint of the admin goes to the admin service with the key, with the admin's own scope and family", async (t) => {
  const keyRoutes = ADMIN_ROUTES.filter((route) => route.kind === 'key');
  t.ok(keyRoutes.length >= 10, 'list, create, revoke, rotate and update, both families');
  for (const { method, pattern: template, scope, family } of keyRoutes) {
    const route = policy.match(method, samplePath(template))?.value;
    t.match(route, { template, scope, family, upstream: { name: 'admin', internal: true, forwardKey: true } }, `${method} ${template}`);
  }
});

t.test('the documented surface is covered with the right scopes', async (t) => {
  const scopesOf = (fragment: string) => new Set(policy.routes.filter((r) => r.template.includes(fragment)).map((r) => r.scope));
  for (const area of ['/visitors', '/companies', '/lists', '/analytics']) t.ok(scopesOf(area).has('read'), `${area} read`);
  for (const area of ['/lists', '/icp-configs', '/settings']) t.ok(scopesOf(area).has('write'), `${area} write`);
  t.ok(scopesOf('/agency/overview').has('agency:read'), 'agency overview');
  t.ok(scopesOf('/agency/sub-organizations').has('agency:read'), 'sub-organizations read');
  t.ok(scopesOf('/agency/sub-organizations').has('agency:write'), 'sub-organizations write');
  t.match(policy.match('GET', '/status')?.value, { public: true, scope: null, upstream: { name: 'bullseye' } });
  for (const path of ['/dashboard', '/dashboard/main.js']) {
    t.match(
      policy.match('GET', path)?.value,
      { public: true, upstream: { name: 'admin' } },
      `${path}: the dashboard, public, from the admin`,
    );
  }
});

t.test("in `start` the admin upstream is this process' admin; a gateway alone refuses it, naming the fix", async (t) => {
  const inStart = loadPolicyFile('config/policy.yaml', { internalAdmin: { origin: 'http://127.0.0.1:18081' } });
  t.equal(inStart.upstreams.get('admin')?.origin, 'http://127.0.0.1:18081');
  t.match(
    problemsOf(() => loadPolicyFile('config/policy.yaml', { internalAdmin: 'none' })),
    [
      /^config\/policy\.yaml:\d+: upstreams\.admin\.url: admin@internal is the admin service of `bullseye-gateway start`; a gateway alone has none: name the admin's API URL instead/,
    ],
  );
});

t.test('shipped upstreams and defaults', async (t) => {
  t.equal(policy.upstreams.get('bullseye')?.origin, 'http://127.0.0.1:9000');
  t.match(policy.upstreams.get('admin'), { internal: true, origin: 'admin@internal' }, "the admin is this process' admin, never a port");
  t.same(policy.rateLimits, [{ requests: 1000, perMs: 60_000 }]);
  t.equal(policy.quota, null);
  for (const route of policy.routes) {
    if (route.organizationParam) t.equal(route.family, 'org', `${route.method} ${route.template} takes org keys`);
  }
});
