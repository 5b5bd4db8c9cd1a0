// Several windows, per-route limits and a calendar quota through the whole
// gateway (memory limiter, the stack's manual clock): all-or-nothing, the
// header window, Retry-After over every refusing window, 429 quota_exceeded.
import t from 'tap';
import { startGatewayStack, TEST_POLICY } from '../helpers/gateway.js';
import { call } from '../helpers/http.js';

const VISITORS = '/api/v1/organization/acme/visitors';
// TEST_POLICY without its cost-5 route, which small test limits could never serve.
const withDefaults = (defaults: string, routes = ''): string =>
  TEST_POLICY.replace('rateLimit: { requests: 1000, per: 1m }', defaults)
    .replace(/^ {2}GET \S+\/lists\/export: .*\n/m, '')
    .replace('routes:\n', `routes:\n${routes}`);

t.test('a route of its own: a refusal by its window charges the key default nothing', async (t) => {
  const stack = await startGatewayStack(t, {
    policy: withDefaults(
      'rateLimit: { requests: 3, per: 1h }',
      '  GET /api/v1/organization/{organization_id}/reports: { scope: read, rateLimit: { requests: 1, per: 1h } }\n',
    ),
  });
  const key = stack.key({ org: 'acme', scopes: ['read'] });
  const other = stack.key({ org: 'acme', scopes: ['read'] });
  const reports = () => call(stack.gatewayUrl, 'GET', '/api/v1/organization/acme/reports', { headers: key.headers });

  t.equal((await reports()).status, 200, 'the route window holds one');
  const refused = await reports();
  t.equal(refused.status, 429, 'the route window refuses the second');
  t.equal(refused.json.code, 'rate_limited');
  t.equal(refused.headers['x-ratelimit-limit'], '1', 'the headers describe the refusing route window');
  // The key's default window lost one token to the admitted request and none to the refused one.
  const statuses = [];
  for (let i = 0; i < 3; i++) statuses.push((await call(stack.gatewayUrl, 'GET', VISITORS, { headers: key.headers })).status);
  t.same(statuses, [200, 200, 429], 'two of the default three were left');
  t.equal((await call(stack.gatewayUrl, 'GET', '/api/v1/organization/acme/reports', { headers: other.headers })).status, 200, 'per key');
  t.equal(stack.upstream.received.length, 4, 'only admitted requests reached the upstream');
});

t.test("a route's cost is taken from every window it is checked against", async (t) => {
  const stack = await startGatewayStack(t, {
    policy: withDefaults(
      'rateLimit: [{ requests: 10, per: 1s }, { requests: 12, per: 1h }]',
      '  GET /api/v1/organization/{organization_id}/bulk: { scope: read, cost: 5, rateLimit: { requests: 10, per: 1h } }\n',
    ),
  });
  const key = stack.key({ org: 'acme', scopes: ['read'] });
  const bulk = () => call(stack.gatewayUrl, 'GET', '/api/v1/organization/acme/bulk', { headers: key.headers });
  t.equal((await bulk()).status, 200);
  t.equal((await bulk()).status, 200);
  const third = await bulk();
  t.equal(third.status, 429, 'the 1 s window holds 0 after two costs of 5');
  stack.admin.clock.advance(1_000);
  // 1 s later the short window is full again, the hour windows hold 2 (defaults) and 0 (route).
  t.equal((await bulk()).status, 429, 'the route window is spent');
  t.equal((await call(stack.gatewayUrl, 'GET', VISITORS, { headers: key.headers })).status, 200);
  t.equal((await call(stack.gatewayUrl, 'GET', VISITORS, { headers: key.headers })).status, 200);
  const last = await call(stack.gatewayUrl, 'GET', VISITORS, { headers: key.headers });
  t.equal(last.status, 429, 'the default hour window had 12 - 10 = 2 left');
});

t.test('the headers describe the window with the fewest tokens left', async (t) => {
  const stack = await startGatewayStack(t, { policy: withDefaults('rateLimit: [{ requests: 10, per: 1s }, { requests: 12, per: 1m }]') });
  const key = stack.key({ org: 'acme', scopes: ['read'] });
  const get = () => call(stack.gatewayUrl, 'GET', VISITORS, { headers: key.headers });
  const first = await get();
  t.equal(first.headers['x-ratelimit-limit'], '10', 'the 1 s window: 9 left, against 11');
  t.equal(first.headers['x-ratelimit-remaining'], '9');
  for (let i = 0; i < 9; i++) await get();
  stack.admin.clock.advance(1_000);
  // Now 10 in the short window, 2.2 in the minute window: after this request, 9 against 1.
  const later = await get();
  t.equal(later.status, 200);
  t.equal(later.headers['x-ratelimit-limit'], '12', 'the minute window is the tighter now');
  t.equal(later.headers['x-ratelimit-remaining'], '1');
});

t.test('Retry-After waits for every refusing window', async (t) => {
  const stack = await startGatewayStack(t, { policy: withDefaults('rateLimit: [{ requests: 1, per: 10s }, { requests: 2, per: 1h }]') });
  const key = stack.key({ org: 'acme', scopes: ['read'] });
  const get = () => call(stack.gatewayUrl, 'GET', VISITORS, { headers: key.headers });
  t.equal((await get()).status, 200);
  const shortOnly = await get();
  t.equal(shortOnly.status, 429);
  t.equal(shortOnly.headers['retry-after'], '10', 'only the 10 s window refuses: its refill time');
  stack.admin.clock.advance(10_000);
  t.equal((await get()).status, 200, 'the hour window still held one');
  const both = await get();
  t.equal(both.status, 429);
  // The hour window holds 10 s of refill (1/180 token): the rest of a token takes 1,790 s.
  t.equal(both.headers['retry-after'], '1790', 'both refuse: the longer wait');
});

t.test('a daily quota resets at 00:00 UTC and answers 429 quota_exceeded until then', async (t) => {
  const stack = await startGatewayStack(t, {
    policy: withDefaults('rateLimit: { requests: 100, per: 1m }, quota: { limit: 3, period: day }'),
  });
  stack.admin.clock.set(Date.UTC(2026, 0, 1, 23, 59, 0));
  const key = stack.key({ org: 'acme', scopes: ['read'] });
  const get = () => call(stack.gatewayUrl, 'GET', VISITORS, { headers: key.headers });
  for (let i = 0; i < 3; i++) t.equal((await get()).status, 200);
  const spent = await get();
  t.equal(spent.status, 429);
  t.equal(spent.json.code, 'quota_exceeded');
  t.match(spent.json.detail, /until 2026-01-02T00:00:00.000Z/);
  t.equal(spent.headers['retry-after'], '60', 'until midnight UTC');
  t.equal(spent.headers['x-ratelimit-limit'], '3', 'the quota has the fewest left');
  t.equal(spent.headers['x-ratelimit-reset'], String(Date.UTC(2026, 0, 2) / 1000));
  stack.admin.clock.set(Date.UTC(2026, 0, 1, 23, 59, 59, 999));
  t.equal((await get()).status, 429, 'still the same day');
  stack.admin.clock.set(Date.UTC(2026, 0, 2));
  t.equal((await get()).status, 200, 'a new day, a new quota');
  t.equal(stack.upstream.received.length, 4);
});

t.test("a key's own windows and quota replace the policy's; other keys keep the policy's", async (t) => {
  const stack = await startGatewayStack(t, {
    policy: withDefaults('rateLimit: { requests: 100, per: 1m }, quota: { limit: 50, period: month }'),
  });
  const own = stack.key({
    org: 'acme',
    scopes: ['read'],
    rateLimits: [{ requests: 2, perMs: 60_000 }],
    quota: { limit: 1000, period: 'day' },
  });
  const policy = stack.key({ org: 'acme', scopes: ['read'] });
  const get = (headers: Record<string, string>) => call(stack.gatewayUrl, 'GET', VISITORS, { headers });
  const first = await get(own.headers);
  t.equal(first.headers['x-ratelimit-limit'], '2', 'its own window');
  t.equal((await get(own.headers)).status, 200);
  t.equal((await get(own.headers)).status, 429, 'two per minute');
  const other = await get(policy.headers);
  t.equal(other.status, 200);
  t.equal(other.headers['x-ratelimit-limit'], '50', "the policy's monthly quota has the fewest left");
  t.equal(other.headers['x-ratelimit-remaining'], '49');
});
