// Each invalid policy fixture (one problem each) is refused with one message
// naming the file, the line and the field; a file with many problems reports
// them all at once.
import { readdirSync } from 'node:fs';
import t from 'tap';
import { problemsOf } from '../helpers/problems.js';
import { loadPolicyFile, parsePolicy } from '../../config/policy.js';
import { ConfigError } from '../../core/errors.js';

const DIR = 'test/config/fixtures/policy';

/** fixture -> [line, field and message] of its one problem. */
const EXPECTED: Record<string, [number, string | RegExp]> = {
  'not-a-map': [1, 'must be a map with upstreams, defaults and routes, got a list'],
  'empty-file': [1, 'is empty; expected a map'],
  'yaml-syntax': [6, /YAML syntax: .*Flow map/],
  'unknown-top-key': [4, 'version: unknown key (allowed: upstreams, defaults, routes)'],
  'missing-routes': [1, 'routes: is required'],
  'empty-routes': [4, 'routes: must have at least one route'],
  'routes-not-a-map': [5, 'routes: must be a map of "METHOD /path" to route settings, got a list'],
  'missing-upstreams': [1, 'upstreams: is required'],
  'empty-upstreams': [1, 'upstreams: must name at least one upstream'],
  'unknown-scope': [6, 'routes."GET /x": unknown scope "raed" (known: read, write, admin, agency:read, agency:write)'],
  'unknown-scope-in-map': [6, 'routes."GET /x".scope: unknown scope "admni"'],
  'missing-scope': [5, 'routes."GET /x".scope: is required'],
  'unknown-route-key': [5, 'routes."GET /x".upstraem: unknown key (allowed: public, scope, key, upstream, cost, rateLimit, websocket)'],
  'bad-route-value': [5, 'routes."GET /x": must be a scope name, public, or a map'],
  'unknown-upstream': [7, 'routes."GET /x".upstream: unknown upstream "bulleye" (known: bullseye)'],
  'unknown-default-upstream': [3, 'defaults.upstream: unknown upstream "admin" (known: bullseye)'],
  'no-upstream': [4, 'routes."GET /status": has no upstream'],
  'bad-upstream-name': [2, 'upstreams."bulls eye": upstream names are 1-64 letters, digits, _ or -'],
  'url-with-path': [2, 'upstreams.bullseye: must be an http:// or https:// URL with no path'],
  'url-bad-scheme': [2, 'upstreams.bullseye: must be an http:// or https:// URL'],
  'url-with-credentials': [2, 'upstreams.bullseye: must be an http:// or https:// URL with no path, query or credentials'],
  'url-with-query': [2, 'got "http://127.0.0.1:9000/?debug=1"'],
  'upstream-missing-url': [2, 'upstreams.bullseye.url: is required'],
  'unknown-upstream-key': [2, 'upstreams.bullseye.forwardkey: unknown key (allowed: url, forwardKey, timeout)'],
  'bad-forward-key': [2, 'upstreams.bullseye.forwardKey: must be true or false, got "yes"'],
  'bad-duration': [2, 'upstreams.bullseye.timeout: must be a duration like 250ms, 10s, 1m, 1h or a number of milliseconds, got "10 sec"'],
  'zero-duration': [3, 'defaults.timeout: must be greater than zero, got 0'],
  'unknown-defaults-key': [3, 'defaults.scope: unknown key (allowed: upstream, key, rateLimit, quota, timeout, concurrency)'],
  'bad-concurrency': [5, 'defaults.concurrency: must be an integer >= 1, got 0'],
  'fractional-concurrency': [3, 'defaults.concurrency: must be an integer >= 1, got 1.5'],
  'bad-default-key-family': [3, 'defaults.key: must be one of org, partner, any, got "orgs"'],
  'bad-rate-limit': [5, 'defaults.rateLimit.requests: must be a positive whole number, got 0'],
  'rate-limit-missing-per': [5, 'defaults.rateLimit.per: is required'],
  'bad-method': [5, 'routes."FETCH /x": unknown method "FETCH" (known: GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS)'],
  'lowercase-method': [5, 'routes."get /x": unknown method "get" (methods are upper case)'],
  'route-key-without-path': [5, 'routes.GET: route keys are "METHOD /path"'],
  'bad-pattern': [5, 'routes."GET /a//b": path "/a//b" has an empty or dot segment'],
  'param-used-twice': [5, 'routes."GET /a/{id}/b/{id}": path "/a/{id}/b/{id}" uses {id} twice'],
  'duplicate-route': [7, 'routes."GET /x": duplicate key (first at line 5)'],
  'ambiguous-route': [6, 'routes."GET /lists/{id}": ambiguous: "GET /lists/{id}" and "GET /lists/{list_id}" match the same requests'],
  'zero-cost': [5, 'routes."GET /x".cost: must be an integer >= 1, got 0'],
  'cost-over-limit': [5, 'routes."GET /x".cost: cost 11 exceeds defaults.rateLimit 10/1s: the route could never be served'],
  'bad-key-family': [5, 'routes."GET /x".key: must be one of org, partner, any, got "partners"'],
  'partner-key-org-route': [5, 'routes."GET /o/{organization_id}/x": routes with {organization_id} need key: org, not "partner"'],
  'any-key-org-route': [5, 'routes."GET /o/{organization_id}/x": routes with {organization_id} need key: org, not "any"'],
  'default-any-key-org-route': [6, 'need key: org, not "any" (from defaults.key)'],
  'org-key-partner-route': [5, 'routes."GET /p/{partner_id}/x": routes with {partner_id} need key: partner, not "org" (the default)'],
  'public-with-scope': [5, 'routes."GET /x": a public route takes no scope'],
  'public-org-route': [5, 'routes."GET /o/{organization_id}/logo": a public route cannot have {organization_id}'],
  'public-with-cost': [5, 'routes."GET /x".cost: a public route has no key bucket'],
  'public-with-key': [5, 'routes."GET /x".key: a public route takes no key'],
  'bad-public-flag': [5, 'routes."GET /x".public: must be true or false, got "yes"'],
  'complex-key': [3, 'upstreams: keys must be plain strings'],
};

t.test('every fixture has an expectation and the reverse', async (t) => {
  const files = readdirSync(DIR).map((name) => name.replace(/\.yaml$/, ''));
  t.same(files.sort(), Object.keys(EXPECTED).sort());
});

for (const [fixture, [line, message]] of Object.entries(EXPECTED)) {
  t.test(fixture, async (t) => {
    const file = `${DIR}/${fixture}.yaml`;
    const problems = problemsOf(() => loadPolicyFile(file));
    t.equal(problems.length, 1, 'exactly one problem');
    const [problem = ''] = problems;
    t.ok(problem.startsWith(`${file}:${line}: `), `at ${file}:${line}, got: ${problem}`);
    if (typeof message === 'string') t.ok(problem.includes(message), `says ${message}, got: ${problem}`);
    else t.match(problem, message);
  });
}

t.test('a refused URL does not echo its credentials', async (t) => {
  const [problem = ''] = problemsOf(() => loadPolicyFile(`${DIR}/url-with-credentials.yaml`));
  t.notMatch(problem, /secret/);
  t.match(problem, /\*\*\*@127\.0\.0\.1/);
});

t.test('all problems of a file are reported at once, in line order', async (t) => {
  const text = `upstreams:
  bullseye: http://127.0.0.1:9000/api
  admin: { url: http://127.0.0.1:8081, forwardkey: true }
defaults: { upstream: bullseye, timeout: soon }
routes:
  GET /a: raed
  GET /a/{x}: read
  GET /a/{y}: read
  POST /b: { scope: write, upstream: admn }
  GET /c: read
  GET /c: write
`;
  let error: unknown;
  try {
    parsePolicy(text, 'many.yaml');
  } catch (err) {
    error = err;
  }
  t.type(error, ConfigError);
  const problems = (error as ConfigError).problems;
  t.same(
    problems.map((p) => p.split(':').slice(0, 2).join(':')),
    ['many.yaml:2', 'many.yaml:3', 'many.yaml:4', 'many.yaml:6', 'many.yaml:8', 'many.yaml:9', 'many.yaml:11'],
  );
  t.match((error as ConfigError).message, /^invalid policy many\.yaml\n {2}- many\.yaml:2: /, 'the message lists them too');
});

t.test('an unreadable file is a ConfigError naming the path', async (t) => {
  const problems = problemsOf(() => loadPolicyFile(`${DIR}/does-not-exist.yaml`));
  t.same(problems, [`${DIR}/does-not-exist.yaml: cannot read the file (ENOENT)`]);
});

t.test('a file that is not UTF-8 is refused', async (t) => {
  const problems = problemsOf(() => loadPolicyFile('test/config/fixtures/latin1.bin'));
  t.same(problems, ['test/config/fixtures/latin1.bin: is not valid UTF-8']);
});
