// The rate-limit check's duration is labelled by the backend that answered
// that request (its decision's), not by the limiter's state when the request
// finishes: a request Redis admitted whose upstream answers only after Redis
// is gone, and another request was answered by the fallback, still counts
// under `redis`.
import type { ServerResponse } from 'node:http';
import t from 'tap';
import { patientRedisSettings, startGatewayStack } from '../helpers/gateway.js';
import { call } from '../helpers/http.js';
import { startRedis } from '../helpers/redis-server.js';

t.test('limiter duration per backend: each request under the backend that answered it', async (t) => {
  const redis = await startRedis(t);
  const stack = await startGatewayStack(t, {
    env: { REDIS_URL: redis.url },
    settingsYaml: patientRedisSettings('onRedisFailure: open'),
  });
  const reader = stack.key({ org: 'acme', scopes: ['read'] });
  const visitors = '/api/v1/organization/acme/visitors';

  let release: (() => void) | undefined;
  const held = new Promise<void>((resolve) => {
    stack.upstream.respond((_req, res: ServerResponse) => {
      release = () => res.end('late');
      resolve();
    });
  });
  const admittedByRedis = call(stack.gatewayUrl, 'GET', visitors, { headers: reader.headers });
  await held; // admitted by Redis, now waiting on its upstream
  stack.upstream.respond((_req, res) => res.end('ok'));
  await redis.stop();
  t.equal((await call(stack.gatewayUrl, 'GET', visitors, { headers: reader.headers })).status, 200, 'served by the fallback');
  release?.();
  t.equal((await admittedByRedis).status, 200, 'the held request finishes after the fallback answered another');

  const text = (await call(stack.opsUrl, 'GET', '/metrics')).text;
  const count = (backend: string): number | undefined => {
    const series = `bullseye_gateway_rate_limiter_duration_seconds_count{backend="${backend}"}`;
    const line = text.split('\n').find((l) => l.startsWith(`${series} `));
    return line === undefined ? undefined : Number(line.slice(series.length + 1));
  };
  t.equal(count('redis'), 1, 'the check Redis answered');
  t.equal(count('fallback'), 1, 'the check the fallback answered');
  t.equal(count('memory'), undefined, 'none labelled memory');
});
