// Every valid way to write upstreams, defaults and routes, and what each compiles to.
import t from 'tap';
import { parsePolicy, policyHash } from '../../config/policy.js';

const UPSTREAMS = `upstreams:
  bullseye: http://127.0.0.1:9000
  admin: { url: http://127.0.0.1:8081, forwardKey: true, timeout: 10s }
  secure: { url: "https://API.example.com:443" }
`;

const policyWith = (routes: string, defaults = '{ upstream: bullseye }') =>
  parsePolicy(`${UPSTREAMS}defaults: ${defaults}\nroutes:\n${routes}`, 'test.yaml');

t.test('upstream forms', async (t) => {
  const policy = policyWith('  GET /status: public\n');
  t.same(policy.upstreams.get('bullseye'), {
    name: 'bullseye',
    origin: 'http://127.0.0.1:9000',
    internal: false,
    forwardKey: false,
    timeoutMs: 30_000,
  });
  t.same(policy.upstreams.get('admin'), {
    name: 'admin',
    origin: 'http://127.0.0.1:8081',
    internal: false,
    forwardKey: true,
    timeoutMs: 10_000,
  });
  t.equal(policy.upstreams.get('secure')?.origin, 'https://api.example.com', 'normalized: lower-case host, default port dropped');
  t.equal(policyWith('  GET /status: public\n', '{ upstream: bullseye, timeout: 2s }').upstreams.get('bullseye')?.timeoutMs, 2000);
});

t.test('admin@internal: short and long form; resolved, refused or left as written by the context', async (t) => {
  const text = (upstream: string) =>
    `upstreams:\n  app: http://127.0.0.1:9000\n  admin: ${upstream}\ndefaults: { upstream: app }\nroutes:\n  GET /x: { scope: read, upstream: admin }\n`;
  const inStart = { internalAdmin: { origin: 'http://127.0.0.1:4567' } } as const;
  t.same(parsePolicy(text('admin@internal'), 'p.yaml', inStart).upstreams.get('admin'), {
    name: 'admin',
    origin: 'http://127.0.0.1:4567',
    internal: true,
    forwardKey: false,
    timeoutMs: 30_000,
  });
  const long = parsePolicy(text('{ url: admin@internal, forwardKey: true, timeout: 5s }'), 'p.yaml', inStart);
  t.match(long.match('GET', '/x')?.value.upstream, { origin: 'http://127.0.0.1:4567', internal: true, forwardKey: true, timeoutMs: 5000 });
  t.match(
    parsePolicy(text('admin@internal'), 'p.yaml').upstreams.get('admin'),
    { origin: 'admin@internal', internal: true },
    'offline: as written',
  );
  t.throws(
    () => parsePolicy(text('admin@internal'), 'p.yaml', { internalAdmin: 'none' }),
    /p\.yaml:3: upstreams\.admin: admin@internal is the admin service of `bullseye-gateway start`/,
  );
  t.throws(
    () => parsePolicy(text('other@internal'), 'p.yaml', inStart),
    /upstreams\.admin: must be an http:\/\/ or https:\/\/ URL/,
    'no other internal target',
  );
});

t.test('route forms', async (t) => {
  const cases: { name: string; route: string; defaults?: string; expect: Record<string, unknown> }[] = [
    { name: 'scope shorthand', route: 'GET /x: read', expect: { scope: 'read', public: false, family: 'org', cost: 1 } },
    { name: 'agency scope shorthand', route: 'GET /x: agency:write', expect: { scope: 'agency:write' } },
    { name: 'public shorthand', route: 'GET /x: public', expect: { public: true, scope: null, family: 'any' } },
    { name: 'public map', route: 'GET /x: { public: true }', expect: { public: true, scope: null } },
    { name: 'explicit public: false', route: 'GET /x: { public: false, scope: write }', expect: { public: false, scope: 'write' } },
    { name: 'map with cost', route: 'POST /x: { scope: write, cost: 3 }', expect: { method: 'POST', cost: 3 } },
    { name: 'partner key', route: 'GET /x: { scope: read, key: partner }', expect: { family: 'partner' } },
    { name: 'any key', route: 'GET /x: { scope: read, key: any }', expect: { family: 'any' } },
    { name: 'key from defaults', route: 'GET /x: read', defaults: '{ upstream: bullseye, key: partner }', expect: { family: 'partner' } },
    { name: 'org route', route: 'GET /o/{organization_id}/x: read', expect: { organizationParam: true, partnerParam: false } },
    {
      name: 'org route with explicit org key under an any default',
      route: 'GET /o/{organization_id}/x: { scope: read, key: org }',
      defaults: '{ upstream: bullseye, key: any }',
      expect: { family: 'org', organizationParam: true },
    },
    {
      name: 'partner route',
      route: 'GET /p/{partner_id}/x: { scope: read, key: partner }',
      expect: { family: 'partner', partnerParam: true, organizationParam: false },
    },
    {
      name: 'block map',
      route: 'DELETE /x/{id}:\n    scope: admin\n    upstream: admin',
      expect: { method: 'DELETE', template: '/x/{id}' },
    },
    { name: 'root path', route: 'OPTIONS /: public', expect: { method: 'OPTIONS', template: '/' } },
  ];
  for (const c of cases) {
    const [route] = policyWith(`  ${c.route}\n`, c.defaults).routes;
    t.match(route, c.expect, c.name);
  }
});

t.test('each route resolves its upstream', async (t) => {
  const policy = policyWith('  GET /a: read\n  GET /b: { scope: read, upstream: admin }\n');
  t.equal(policy.routes[0]?.upstream.name, 'bullseye', 'from defaults.upstream');
  t.equal(policy.routes[1]?.upstream, policy.upstreams.get('admin'), 'named, same object as in upstreams');
});

t.test('defaults', async (t) => {
  const implicit = policyWith('  GET /a: read\n');
  t.same(implicit.rateLimits, [{ requests: 1000, perMs: 60_000 }], '1000 per minute unless set');
  t.equal(implicit.quota, null, 'no quota unless set');
  const explicit = policyWith('  GET /a: read\n', '{ upstream: bullseye, rateLimit: { requests: 50, per: 10s } }');
  t.same(explicit.rateLimits, [{ requests: 50, perMs: 10_000 }]);
  const noDefaults = parsePolicy(`${UPSTREAMS}routes:\n  GET /a: { scope: read, upstream: admin }\n`, 'test.yaml');
  t.equal(noDefaults.routes[0]?.family, 'org', 'key defaults to org');
  t.equal(implicit.concurrency, 100, 'concurrency: 100 requests in flight per key unless set');
  t.equal(noDefaults.concurrency, 100, 'also without a defaults section');
  t.equal(policyWith('  GET /a: read\n', '{ upstream: bullseye, concurrency: 1 }').concurrency, 1, 'the least allowed');
  t.equal(policyWith('  GET /a: read\n', '{ upstream: bullseye, concurrency: 5000 }').concurrency, 5000);
});

t.test('anchors and aliases resolve', async (t) => {
  const text = `${UPSTREAMS}defaults: { upstream: bullseye }
routes:
  GET /a: &adminRead { scope: read, upstream: admin }
  GET /b: *adminRead
`;
  const policy = parsePolicy(text, 'test.yaml');
  t.equal(policy.routes[1]?.upstream.name, 'admin');
});

t.test('identity: source name and hash of the bytes', async (t) => {
  const text = `${UPSTREAMS}defaults: { upstream: bullseye }\nroutes:\n  GET /a: read\n`;
  const policy = parsePolicy(text, 'config/x.yaml');
  t.equal(policy.source, 'config/x.yaml');
  t.match(policy.hash, /^[0-9a-f]{12}$/);
  t.equal(policy.hash, policyHash(Buffer.from(text)));
});

t.test('the result is deeply frozen', async (t) => {
  const policy = policyWith('  GET /a: read\n');
  t.ok(Object.isFrozen(policy));
  t.ok(Object.isFrozen(policy.routes));
  t.ok(Object.isFrozen(policy.routes[0]));
  t.ok(Object.isFrozen(policy.routes[0]?.upstream));
  t.ok(Object.isFrozen(policy.rateLimits));
  t.ok(Object.isFrozen(policy.rateLimits[0]));
  t.throws(() => (policy.upstreams as Map<string, unknown>).set('x', {}), TypeError);
  t.throws(() => (policy.upstreams as Map<string, unknown>).delete('admin'), TypeError);
  t.equal(policy.upstreams.size, 3);
});
