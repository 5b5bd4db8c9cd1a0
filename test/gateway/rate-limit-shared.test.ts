// Two gateway processes sharing one Redis hold one limit: a limit of N lets
// exactly N of 3N concurrent requests through, however they are spread.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { patientRedisSettings, TEST_POLICY } from '../helpers/gateway.js';
import { call } from '../helpers/http.js';
import { createTestKey } from '../helpers/keys.js';
import { startRedis } from '../helpers/redis-server.js';
import { spawnGateway, splitGatewayEnv, startSplitAdmin, startUpstream, tempDir } from '../helpers/split.js';

const LIMIT = 30;

t.test('exactly N of 3N requests pass through two gateways sharing one Redis', async (t) => {
  const dir = tempDir(t, 'bullseye-shared-limit');
  const redis = await startRedis(t);
  const admin = await startSplitAdmin(t, join(dir, 'bullseye.db'));
  const upstream = await startUpstream(t);
  const key = createTestKey(admin.plane.store, { org: 'acme', scopes: ['read'] });
  const settingsPath = join(dir, 'gateway.yaml');
  writeFileSync(settingsPath, patientRedisSettings());
  const env = splitGatewayEnv(dir, admin, upstream, {
    policy: TEST_POLICY.replace('rateLimit: { requests: 1000, per: 1m }', `rateLimit: { requests: ${LIMIT}, per: 1h }`),
    env: { REDIS_URL: redis.url, CONFIG_PATH: settingsPath },
  });
  const gateways = await Promise.all([spawnGateway(t, env), spawnGateway(t, env)]);
  const responses = await Promise.all(
    Array.from({ length: 3 * LIMIT }, (_, i) =>
      call(gateways[i % 2]!.url, 'GET', '/api/v1/organization/acme/visitors', { headers: key.headers }),
    ),
  );
  const statuses = responses.map((r) => r.status);
  t.equal(statuses.filter((s) => s === 200).length, LIMIT, 'exactly the limit passed');
  t.equal(statuses.filter((s) => s === 429).length, 2 * LIMIT, 'the rest was refused');
  t.equal(upstream.received.length, LIMIT, 'only the allowed requests reached the upstream');
  for (const gateway of gateways) t.equal(await gateway.process.stop(), 0);
});
