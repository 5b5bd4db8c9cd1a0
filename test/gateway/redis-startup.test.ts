// A Redis that never answers (a port that accepts connections and stays
// silent) must not hold up an `open`-mode gateway: it listens at once and
// serves from the fallback buckets until Redis is reached.
import { createServer, type Socket } from 'node:net';
import t from 'tap';
import { REDIS_STARTUP_WAIT_MS } from '../../gateway/data-plane.js';
import { startGatewayStack } from '../helpers/gateway.js';
import { call } from '../helpers/http.js';

t.test('open mode: a silent Redis never delays listening', async (t) => {
  const held: Socket[] = [];
  const silent = createServer((socket) => void held.push(socket));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    held.forEach((socket) => socket.destroy());
    silent.close();
  });
  const port = (silent.address() as { port: number }).port;

  const started = Date.now();
  const stack = await startGatewayStack(t, {
    env: { REDIS_URL: `redis://127.0.0.1:${port}` },
    settingsYaml: 'rateLimit:\n  onRedisFailure: open\n',
    waitForRedis: false,
  });
  t.ok(Date.now() - started < REDIS_STARTUP_WAIT_MS, `listening before the ${REDIS_STARTUP_WAIT_MS} ms a closed-mode gateway waits`);
  const key = stack.key({ org: 'acme', scopes: ['read'] });
  const served = await call(stack.gatewayUrl, 'GET', '/api/v1/organization/acme/visitors', { headers: key.headers });
  t.equal(served.status, 200, 'served by the fallback buckets');
  t.equal(served.headers['x-ratelimit-limit'], '1000', 'and still limited');
  t.notOk(await stack.plane.limiterReady(0), 'Redis never answered');
});
