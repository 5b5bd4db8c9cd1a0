// Two gateway processes sharing one Redis hold a key's windows together and
// all-or-nothing: 10 per 20 s and 15 per 100,000 s admit exactly 10 of 30
// concurrent requests (the short window refills one token per 2 s, far
// slower than a burst), and once the short window is full again, exactly the
// 5 the longer window still holds (its refill in the meantime is 0.003 of a
// token). The wait is Redis' own clock, which a test cannot move.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { Redis } from 'ioredis';
import t from 'tap';
import { patientRedisSettings, TEST_POLICY } from '../helpers/gateway.js';
import { call } from '../helpers/http.js';
import { createTestKey } from '../helpers/keys.js';
import { startRedis } from '../helpers/redis-server.js';
import { spawnGateway, splitGatewayEnv, startSplitAdmin, startUpstream, tempDir } from '../helpers/split.js';

const WINDOWS = 'rateLimit: [{ requests: 10, per: 20s }, { requests: 15, per: 100000s }]';

t.test('several windows through two gateways sharing Redis: exact counts, all-or-nothing', async (t) => {
  const dir = tempDir(t, 'bullseye-shared-windows');
  const redis = await startRedis(t);
  const admin = await startSplitAdmin(t, join(dir, 'bullseye.db'));
  const upstream = await startUpstream(t);
  const key = createTestKey(admin.plane.store, { org: 'acme', scopes: ['read'] });
  const settingsPath = join(dir, 'gateway.yaml');
  writeFileSync(settingsPath, patientRedisSettings());
  const env = splitGatewayEnv(dir, admin, upstream, {
    policy: TEST_POLICY.replace('rateLimit: { requests: 1000, per: 1m }', WINDOWS),
    env: { REDIS_URL: redis.url, CONFIG_PATH: settingsPath },
  });
  const gateways = await Promise.all([spawnGateway(t, env), spawnGateway(t, env)]);
  const burst = () =>
    Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        call(gateways[i % 2]!.url, 'GET', '/api/v1/organization/acme/visitors', { headers: key.headers }),
      ),
    );

  const first = await burst();
  const admitted = first.filter((r) => r.status === 200);
  t.equal(admitted.length, 10, 'the 20 s window admits 10 of 30');
  t.equal(first.filter((r) => r.status === 429).length, 20);
  t.ok(
    admitted.every((r) => r.headers['x-ratelimit-limit'] === '10'),
    'the 20 s window is the one with the fewest tokens left',
  );

  await delay(20_500); // the 20 s window full again
  const second = await burst();
  t.equal(second.filter((r) => r.status === 200).length, 5, 'exactly what the longer window still held');
  t.ok(
    second.filter((r) => r.status === 200).every((r) => r.headers['x-ratelimit-limit'] === '15'),
    'the longer window is the tighter now',
  );
  t.equal(upstream.received.length, 15, 'only admitted requests reached the upstream');
  // Refused requests charged nothing: the short window kept what the five admitted left it.
  const client = new Redis(redis.url);
  t.teardown(() => client.disconnect());
  const hash = await client.hgetall(`rl:{${key.id}}:w20000`);
  t.ok(Number(hash.tokens) >= 5 && Number(hash.tokens) < 6, `the 20 s window holds 5 after 5 admitted and 25 refused (${hash.tokens})`);
  for (const gateway of gateways) t.equal(await gateway.process.stop(), 0);
});
