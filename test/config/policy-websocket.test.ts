// `websocket: true` is the one way a route accepts a protocol upgrade: off by
// default, GET routes only, a boolean, and `policy check` says so with file
// and line.
import t from 'tap';
import { parsePolicy } from '../../config/policy.js';
import { ConfigError } from '../../core/errors.js';

const policyWith = (route: string) =>
  parsePolicy(`upstreams:\n  app: http://127.0.0.1:9000\ndefaults: { upstream: app }\nroutes:\n  ${route}\n`, 'ws.yaml');

const problemsOf = (route: string): string[] => {
  try {
    policyWith(route);
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
  return [];
};

t.test('off unless asked for', async (t) => {
  t.equal(policyWith('GET /x: read').routes[0]?.websocket, false, 'a scope shorthand');
  t.equal(policyWith('GET /x: { scope: read }').routes[0]?.websocket, false, 'a map without it');
  t.equal(policyWith('GET /x: public').routes[0]?.websocket, false, 'a public route');
});

t.test('on for a GET route that says websocket: true, keyed or public', async (t) => {
  t.equal(policyWith('GET /ws: { scope: read, websocket: true }').routes[0]?.websocket, true);
  t.equal(policyWith('GET /ws: { public: true, websocket: true }').routes[0]?.websocket, true);
});

t.test('refused on any other method, with file and line', async (t) => {
  for (const method of ['POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']) {
    t.same(
      problemsOf(`${method} /ws: { scope: write, websocket: true }`),
      [`ws.yaml:5: routes."${method} /ws".websocket: websocket: true needs a GET route, not ${method}`],
      method,
    );
  }
});

t.test('must be a boolean', async (t) => {
  t.same(problemsOf('GET /ws: { scope: read, websocket: "yes" }'), [
    'ws.yaml:5: routes."GET /ws".websocket: must be true or false, got "yes"',
  ]);
});
