// Step 5 through the whole gateway, with a real redis-server: exact counts
// under concurrency, the documented headers on 200 and 429, costs, and a 429
// never reaching the upstream.
import t from 'tap';
import { patientRedisSettings, startGatewayStack, TEST_POLICY } from '../helpers/gateway.js';
import { call } from '../helpers/http.js';
import { startRedis } from '../helpers/redis-server.js';

const LIMIT = 20;
const POLICY = TEST_POLICY.replace('rateLimit: { requests: 1000, per: 1m }', `rateLimit: { requests: ${LIMIT}, per: 1h }`);
const VISITORS = '/api/v1/organization/acme/visitors';

t.test('Redis limiter: exactly N of 3N concurrent requests pass, with the documented headers', async (t) => {
  const redis = await startRedis(t);
  const stack = await startGatewayStack(t, { policy: POLICY, env: { REDIS_URL: redis.url }, settingsYaml: patientRedisSettings() });
  const key = stack.key({ org: 'acme', scopes: ['read'] });
  const before = stack.upstream.received.length;
  const responses = await Promise.all(
    Array.from({ length: 3 * LIMIT }, () => call(stack.gatewayUrl, 'GET', VISITORS, { headers: key.headers })),
  );
  const ok = responses.filter((r) => r.status === 200);
  const limited = responses.filter((r) => r.status === 429);
  t.equal(ok.length, LIMIT, 'exactly the limit passes');
  t.equal(limited.length, 2 * LIMIT, 'the rest is refused');
  t.equal(stack.upstream.received.length - before, LIMIT, 'a 429 never reaches the upstream');

  const remaining = ok.map((r) => Number(r.headers['x-ratelimit-remaining'])).sort((a, b) => a - b);
  t.same(
    remaining,
    Array.from({ length: LIMIT }, (_, i) => i),
    'each allowed request saw its own remaining count',
  );
  for (const response of [...ok, ...limited]) {
    t.equal(response.headers['x-ratelimit-limit'], String(LIMIT));
    t.ok(Number(response.headers['x-ratelimit-reset']) > Date.now() / 1000, 'reset is a future Unix time');
  }
  const refusal = limited[0]!;
  t.equal(refusal.json.code, 'rate_limited');
  t.match(refusal.headers['content-type'], /application\/problem\+json/);
  t.equal(refusal.headers['x-ratelimit-remaining'], '0');
  const retryAfter = Number(refusal.headers['retry-after']);
  // One token refills every 1h / 20 = 180 s; Retry-After is whole seconds, rounded up.
  t.ok(retryAfter >= 1 && retryAfter <= 180, `Retry-After ${retryAfter} within one token's refill`);
});

t.test('costs: a route with cost 5 takes 5 tokens', async (t) => {
  const stack = await startGatewayStack(t, { policy: POLICY });
  const key = stack.key({ org: 'acme', scopes: ['read'] });
  const first = await call(stack.gatewayUrl, 'GET', '/api/v1/organization/acme/lists/export', { headers: key.headers });
  t.equal(first.headers['x-ratelimit-remaining'], String(LIMIT - 5));
  for (let i = 0; i < 3; i++) await call(stack.gatewayUrl, 'GET', '/api/v1/organization/acme/lists/export', { headers: key.headers });
  const refused = await call(stack.gatewayUrl, 'GET', '/api/v1/organization/acme/lists/export', { headers: key.headers });
  t.equal(refused.status, 429, 'the fifth export does not fit');
  t.equal(
    (await call(stack.gatewayUrl, 'GET', VISITORS, { headers: key.headers })).status,
    429,
    'nor does anything else: the bucket is empty',
  );
});

t.test('memory limiter refills with the injected clock', async (t) => {
  const stack = await startGatewayStack(t, { policy: POLICY });
  const key = stack.key({ org: 'acme', scopes: ['read'] });
  for (let i = 0; i < LIMIT; i++) await call(stack.gatewayUrl, 'GET', VISITORS, { headers: key.headers });
  const refused = await call(stack.gatewayUrl, 'GET', VISITORS, { headers: key.headers });
  t.equal(refused.status, 429);
  t.equal(refused.headers['retry-after'], '180', 'one token takes 180 s');
  stack.admin.clock.advance(180_000);
  const again = await call(stack.gatewayUrl, 'GET', VISITORS, { headers: key.headers });
  t.equal(again.status, 200, 'one token refilled');
  t.equal(again.headers['x-ratelimit-remaining'], '0');
});

t.test('the IETF draft headers are sent when enabled', async (t) => {
  const stack = await startGatewayStack(t, { policy: POLICY, settingsYaml: 'rateLimit: { ietfHeaders: true }\n' });
  const key = stack.key({ org: 'acme', scopes: ['read'] });
  const response = await call(stack.gatewayUrl, 'GET', VISITORS, { headers: key.headers });
  t.equal(response.headers['ratelimit-policy'], `"default";q=${LIMIT};w=3600`);
  t.match(response.headers['ratelimit'], new RegExp(`^"default";r=${LIMIT - 1};t=\\d+$`));
});

t.test('public routes carry no rate-limit headers and spend nothing', async (t) => {
  const stack = await startGatewayStack(t, { policy: POLICY });
  const response = await call(stack.gatewayUrl, 'GET', '/status');
  t.equal(response.status, 200);
  t.equal(response.headers['x-ratelimit-limit'], undefined);
});

t.test('Redis stopped: open mode keeps serving from memory, closed mode answers 503; both recover', async (t) => {
  const redis = await startRedis(t);
  const open = await startGatewayStack(t, { policy: POLICY, env: { REDIS_URL: redis.url }, settingsYaml: patientRedisSettings() });
  const closed = await startGatewayStack(t, {
    policy: POLICY,
    env: { REDIS_URL: redis.url },
    settingsYaml: patientRedisSettings('onRedisFailure: closed'),
  });
  const openKey = open.key({ org: 'acme', scopes: ['read'] });
  const closedKey = closed.key({ org: 'acme', scopes: ['read'] });
  t.equal((await call(open.gatewayUrl, 'GET', VISITORS, { headers: openKey.headers })).status, 200);
  t.equal((await call(closed.gatewayUrl, 'GET', VISITORS, { headers: closedKey.headers })).status, 200);

  await redis.stop();
  const served = await call(open.gatewayUrl, 'GET', VISITORS, { headers: openKey.headers });
  t.equal(served.status, 200, 'open: answered from the in-memory fallback');
  t.ok(Number(served.headers['x-ratelimit-remaining']) < LIMIT, 'open: the fallback still limits');
  const before = closed.upstream.received.length;
  const refused = await call(closed.gatewayUrl, 'GET', VISITORS, { headers: closedKey.headers });
  t.equal(refused.status, 503, 'closed: refused');
  t.equal(refused.json.code, 'rate_limiter_unavailable');
  t.ok(Number(refused.headers['retry-after']) >= 1, 'closed: with Retry-After');
  t.equal(closed.upstream.received.length, before, 'closed: never forwarded');

  await redis.start();
  // The breaker probes Redis again once the client has reconnected; each request below may be that probe.
  const backOnRedis = async (stack: typeof open, headers: Record<string, string>): Promise<boolean> => {
    for (let attempt = 0; attempt < 500; attempt++) {
      const response = await call(stack.gatewayUrl, 'GET', VISITORS, { headers });
      const ready = await call(stack.opsUrl, 'GET', '/readyz');
      if (response.status === 200 && ready.json.checks.limiter === 'redis') return true;
    }
    return false;
  };
  t.ok(await backOnRedis(open, openKey.headers), 'open: Redis answers again');
  t.ok(await backOnRedis(closed, closedKey.headers), 'closed: served again, by Redis');
});
