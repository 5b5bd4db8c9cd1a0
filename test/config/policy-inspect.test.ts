// `policy routes` and `policy explain`: what a policy defines, and what it
// does with one request before any key is read, for ops at a terminal.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { loadPolicyFile } from '../../config/policy.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';

const policy = (argv: string[]) => runCli(['policy', ...argv], {});

const POLICY = `upstreams:
  app: http://127.0.0.1:9000
  admin: { url: http://127.0.0.1:8081, forwardKey: true }
defaults: { upstream: app, key: org, rateLimit: [{ requests: 100, per: 1s }, { requests: 100000, per: 1d }], quota: { limit: 1000000, period: month } }
routes:
  GET /status: public
  GET /api/v1/organization/{organization_id}/lists/{list_id}: read
  POST /api/v1/organization/{organization_id}/exports: { scope: write, cost: 10, rateLimit: { requests: 20, per: 1h } }
  GET /api/v1/partner/api-keys: { scope: read, key: partner, upstream: admin }
  GET /ws/{channel}: { scope: read, key: any, websocket: true }
`;

t.test('policy routes', async (t) => {
  const file = join(tempDir(t, 'policy-inspect'), 'policy.yaml');
  writeFileSync(file, POLICY);

  const table = await policy(['routes', file]);
  t.equal(table.code, 0);
  t.equal(
    table.stdout,
    [
      'METHOD  PATH                                                    ACCESS  KEY      UPSTREAM  COST  WEBSOCKET  RATE LIMIT',
      'GET     /status                                                 public  -        app       -     -          -',
      'GET     /api/v1/organization/{organization_id}/lists/{list_id}  read    org      app       1     -          -',
      'POST    /api/v1/organization/{organization_id}/exports          write   org      app       10    -          20/1h',
      'GET     /api/v1/partner/api-keys                                read    partner  admin     1     -          -',
      'GET     /ws/{channel}                                           read    any      app       1     yes        -',
      '',
      'default rate limit: 100/1s, 100000/1d per key',
      'default quota:      1000000/month per key',
      '',
    ].join('\n'),
    "one aligned row per route, in file order, with the route's own windows; then the defaults",
  );

  const json = await policy(['routes', file, '--json']);
  t.equal(json.code, 0);
  const { routes } = JSON.parse(json.stdout) as { routes: Record<string, unknown>[] };
  t.equal(routes.length, 5);
  t.same(routes[2], {
    method: 'POST',
    path: '/api/v1/organization/{organization_id}/exports',
    access: 'write',
    key: 'org',
    upstream: 'app',
    cost: 10,
    rateLimits: [{ requests: 20, perMs: 3_600_000 }],
    websocket: false,
  });
  t.same(routes[0], {
    method: 'GET',
    path: '/status',
    access: 'public',
    key: '-',
    upstream: 'app',
    cost: null,
    rateLimits: null,
    websocket: false,
  });
  t.same(JSON.parse(json.stdout).defaults, {
    rateLimits: [
      { requests: 100, perMs: 1000 },
      { requests: 100000, perMs: 86_400_000 },
    ],
    quota: { limit: 1000000, period: 'month' },
  });

  const shipped = await policy(['routes', 'config/policy.yaml', '--json']);
  t.equal(JSON.parse(shipped.stdout).routes.length, loadPolicyFile('config/policy.yaml').routes.length, 'the shipped policy, every route');

  const invalid = await policy(['routes', 'test/config/fixtures/policy/unknown-scope.yaml']);
  t.equal(invalid.code, 2, 'an invalid file is a configuration error');
  t.match(invalid.stderr, /unknown-scope\.yaml:6: routes."GET \/x": unknown scope "raed"/);
});

t.test('policy explain', async (t) => {
  const file = join(tempDir(t, 'policy-inspect'), 'policy.yaml');
  writeFileSync(file, POLICY);

  const matched = await policy(['explain', file, 'GET', '/api/v1/organization/acme/lists/l-7?page=2']);
  t.equal(matched.code, 0);
  t.equal(
    matched.stdout,
    'route:      GET /api/v1/organization/{organization_id}/lists/{list_id}\n' +
      'parameters: organization_id=acme, list_id=l-7\n' +
      'needs:      an organization key (X-API-Key) of organization acme holding "read", costing 1 token\n' +
      'limits:     key 100/1s, 100000/1d (the default; a key may have its own); quota 1000000/month (the default; a key may have its own)\n' +
      'forwards:   /api/v1/organization/acme/lists/l-7?page=2 to app (http://127.0.0.1:9000)\n' +
      'websocket:  no (an Upgrade header is refused)\n',
  );

  const partner = JSON.parse((await policy(['explain', file, 'GET', '/api/v1/partner/api-keys', '--json'])).stdout);
  t.equal(partner.needs, 'a partner key (X-Partner-API-Key) holding "read", costing 1 token');
  t.equal(partner.forwardsTo, 'admin (http://127.0.0.1:8081, with the key)');
  t.match(
    (await policy(['explain', file, 'GET', '/status'])).stdout,
    /needs: +no key \(public\)\nlimits: +none \(public: no key to limit\)\n/,
  );
  const exports = JSON.parse((await policy(['explain', file, 'POST', '/api/v1/organization/acme/exports', '--json'])).stdout);
  t.equal(
    exports.limits,
    'key 100/1s, 100000/1d (the default; a key may have its own); route 20/1h per key; quota 1000000/month (the default; a key may have its own)',
    "the route's own windows beside the key's",
  );
  const plain = JSON.parse((await policy(['explain', 'config/policy.yaml', 'GET', '/api/v1/partner/api-keys', '--json'])).stdout);
  t.equal(plain.limits, 'key 1000/1m (the default; a key may have its own); no quota unless the key has one');
  const shipped = JSON.parse((await policy(['explain', 'config/policy.yaml', 'GET', '/api/v1/partner/api-keys', '--json'])).stdout);
  t.equal(shipped.forwardsTo, 'admin (admin@internal, the admin service of `start`, with the key)');
  t.match((await policy(['explain', file, 'GET', '/ws/visits'])).stdout, /websocket: +may upgrade/);

  const dots = await policy(['explain', file, 'GET', '/api/v1/organization/globex/../acme/lists/1']);
  t.equal(dots.code, 1);
  t.equal(dots.stdout, 'refused: 400 invalid_request_target: dot segment in path\n');
  const unrouted = await policy(['explain', file, 'DELETE', '/status']);
  t.equal(unrouted.code, 1);
  t.equal(unrouted.stdout, 'refused: 404 route_not_found: no route matches DELETE /status\n');
  const missing = await policy(['explain', file, 'GET']);
  t.equal(missing.code, 1, 'a missing argument is a usage error');
  t.match(missing.stderr, /missing TARGET/);
});
