// /metrics on the ops listener: the documented series after some traffic,
// with bounded labels only (no raw path, no key id, no key).
import t from 'tap';
import { VERSION } from '../../core/version.js';
import { startGatewayStack, TEST_POLICY } from '../helpers/gateway.js';
import { call } from '../helpers/http.js';

t.test('metrics after traffic', async (t) => {
  const stack = await startGatewayStack(t);
  const reader = stack.key({ org: 'acme', scopes: ['read'] });
  const other = stack.key({ org: 'globex', scopes: ['read'] });
  const visitors = '/api/v1/organization/acme/visitors';
  await call(stack.gatewayUrl, 'GET', visitors, { headers: reader.headers });
  await call(stack.gatewayUrl, 'GET', visitors, { headers: reader.headers });
  await call(stack.gatewayUrl, 'GET', visitors);
  await call(stack.gatewayUrl, 'GET', visitors, { headers: other.headers });
  await call(stack.gatewayUrl, 'GET', '/api/v1/organization/acme/secret-unrouted-path', { headers: reader.headers });
  await stack.upstream.close();
  await call(stack.gatewayUrl, 'GET', visitors, { headers: reader.headers });

  const response = await call(stack.opsUrl, 'GET', '/metrics');
  t.equal(response.status, 200);
  t.match(response.headers['content-type'], /^text\/plain/);
  const text = response.text;
  const value = (series: string): number | undefined => {
    const line = text.split('\n').find((l) => l.startsWith(`${series} `));
    return line === undefined ? undefined : Number(line.slice(series.length + 1));
  };
  const route = '/api/v1/organization/{organization_id}/visitors';
  t.equal(value(`bullseye_gateway_requests_total{route="${route}",method="GET",status_class="2xx"}`), 2);
  t.equal(value(`bullseye_gateway_requests_total{route="${route}",method="GET",status_class="4xx"}`), 2);
  t.equal(value(`bullseye_gateway_requests_total{route="unmatched",method="GET",status_class="4xx"}`), 1);
  t.equal(value(`bullseye_gateway_requests_total{route="${route}",method="GET",status_class="5xx"}`), 1);
  t.equal(value('bullseye_gateway_auth_failures_total{reason="missing"}'), 1);
  t.equal(value('bullseye_gateway_auth_failures_total{reason="wrong_organization"}'), 1);
  t.equal(value('bullseye_gateway_upstream_errors_total{upstream="app",kind="unreachable"}'), 1);
  t.equal(value('bullseye_gateway_upstream_duration_seconds_count{upstream="app"}'), 2);
  t.equal(value('bullseye_gateway_rate_limiter_duration_seconds_count{backend="memory"}'), 3, 'one check per authorized request');
  t.equal(value('bullseye_gateway_rate_limiter_backend{backend="memory"}'), 1);
  t.equal(value('bullseye_gateway_rate_limiter_breaker_open'), 0);
  t.equal(value('bullseye_gateway_replica_keys'), 2);
  t.equal(value('bullseye_gateway_replica_sequence'), stack.admin.store.currentSeq());
  t.equal(value('bullseye_gateway_replica_stale'), 0);
  t.match(text, /bullseye_gateway_policy_info\{hash="[0-9a-f]{12}"\} 1/);
  t.equal(value(`bullseye_gateway_build_info{version="${VERSION}"}`), 1, 'the running version');
  t.match(text, /bullseye_gateway_process_resident_memory_bytes \d+/, 'process metrics');

  t.notMatch(text, /secret-unrouted-path/, 'no raw path in any label');
  t.notMatch(text, /\/acme\//, 'no organization id in any label');
  for (const key of [reader, other]) {
    t.notOk(text.includes(key.id), 'no key id in any label');
    t.notOk(text.includes(key.plainKey), 'no key');
  }
});

t.test('policy reloads are counted', async (t) => {
  const stack = await startGatewayStack(t);
  const refused = stack.nextReload();
  stack.writePolicy('routes: {}\nnot-a-field: 1\n');
  await refused;
  const text = (await call(stack.opsUrl, 'GET', '/metrics')).text;
  t.match(text, /bullseye_gateway_policy_reloads_total\{result="failed"\} 1/);
});

t.test('a request over its key in-flight cap is counted as a concurrency 429', async (t) => {
  const stack = await startGatewayStack(t, { policy: TEST_POLICY.replace('key: org, rateLimit:', 'key: org, concurrency: 1, rateLimit:') });
  const reader = stack.key({ org: 'acme', scopes: ['read'] });
  let release = (): void => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  stack.upstream.respond((_request, res) => void held.then(() => res.end('{}')));
  const arrived = stack.upstream.nextRequest();
  const first = call(stack.gatewayUrl, 'GET', '/api/v1/organization/acme/visitors', { headers: reader.headers });
  await arrived;
  const second = await call(stack.gatewayUrl, 'GET', '/api/v1/organization/acme/visitors', { headers: reader.headers });
  t.equal(second.status, 429);
  t.equal(second.json?.code, 'too_many_concurrent_requests');
  release();
  t.equal((await first).status, 200);
  const text = (await call(stack.opsUrl, 'GET', '/metrics')).text;
  t.match(text, /bullseye_gateway_rate_limited_total\{limiter="concurrency"\} 1/);
});
