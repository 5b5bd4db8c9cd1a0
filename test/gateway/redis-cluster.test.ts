// Two gateway processes sharing a real 3-master Redis Cluster hold every
// key's limits exactly, with keys spread over all three masters: a limit of N
// lets exactly N of 3N concurrent requests through, and each bucket lives on
// the master that owns its key's slot. A plan of two windows and a quota is
// decided all-or-nothing in one script call: its buckets share the key id's
// hash tag, hence one slot (no CROSSSLOT), and a refused request charges none
// of them. No request ever falls back to the in-memory buckets.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import type { QuotaSpec, RateLimitSpec } from '../../core/rate-limits.js';
import { bucketKey } from '../../gateway/limiter/redis-limiter.js';
import { patientRedisSettings, TEST_POLICY } from '../helpers/gateway.js';
import { call, type CallResult } from '../helpers/http.js';
import { createTestKey, type TestKey } from '../helpers/keys.js';
import { startRedisCluster, type RedisCluster } from '../helpers/redis-cluster.js';
import { spawnGateway, splitGatewayEnv, startSplitAdmin, startUpstream, tempDir, type SplitAdmin } from '../helpers/split.js';

const VISITORS = '/api/v1/organization/acme/visitors';
const HOUR = 3_600_000;
/** Keys tried at most while looking for enough of them on every master (each lands on one of three at random). */
const MAX_KEYS = 200;

interface Shape {
  readonly name: string;
  readonly rateLimits: RateLimitSpec[];
  readonly quota: QuotaSpec | null;
  /** What each bucket holds after the admitted requests: a window's whole tokens, the quota's count. */
  readonly after: Record<string, number>;
  /** The error code of the refusals. */
  readonly refusal: string;
}

const LIMIT = 5;
const SINGLE: Shape = {
  name: `${LIMIT} per hour`,
  rateLimits: [{ requests: LIMIT, perMs: HOUR }],
  quota: null,
  after: { [`:w${HOUR}`]: 0 },
  refusal: 'rate_limited',
};

// Each plan admits 4 of 12, bound by different checks (a longer window never holds fewer requests than a
// shorter one: core/rate-limits.ts); the refill during the test is far below one token.
const PLAN_LIMIT = 4;
const PLANS: Shape[] = [
  {
    name: 'the 1 h window binds',
    rateLimits: [
      { requests: 4, perMs: HOUR },
      { requests: 12, perMs: 2 * HOUR },
    ],
    quota: { limit: 20, period: 'month' },
    after: { [`:w${HOUR}`]: 0, [`:w${2 * HOUR}`]: 8, ':q:month': 4 },
    refusal: 'rate_limited',
  },
  {
    name: 'both windows bind',
    rateLimits: [
      { requests: 4, perMs: HOUR },
      { requests: 4, perMs: 2 * HOUR },
    ],
    quota: { limit: 20, period: 'month' },
    after: { [`:w${HOUR}`]: 0, [`:w${2 * HOUR}`]: 0, ':q:month': 4 },
    refusal: 'rate_limited',
  },
  {
    name: 'the monthly quota binds',
    rateLimits: [
      { requests: 12, perMs: HOUR },
      { requests: 20, perMs: 2 * HOUR },
    ],
    quota: { limit: 4, period: 'month' },
    after: { [`:w${HOUR}`]: 8, [`:w${2 * HOUR}`]: 16, ':q:month': 4 },
    refusal: 'quota_exceeded',
  },
];

interface PlacedKey {
  key: TestKey;
  shape: Shape;
  /** The port of the master holding the key's slot. */
  owner: number;
}

/** `perMaster` keys of every shape on every master, created until found (bounded). */
async function keysOnEveryMaster(admin: SplitAdmin, cluster: RedisCluster, shapes: Shape[], perMaster: number): Promise<PlacedKey[]> {
  const placed: PlacedKey[] = [];
  const count = (shape: Shape, port: number) => placed.filter((p) => p.shape === shape && p.owner === port).length;
  for (let tried = 0; tried < MAX_KEYS; tried++) {
    const shape = shapes[tried % shapes.length] as Shape;
    const key = createTestKey(admin.plane.store, { org: 'acme', scopes: ['read'], rateLimits: shape.rateLimits, quota: shape.quota });
    const owner = await cluster.ownerOf(bucketKey(key.id));
    if (count(shape, owner) < perMaster) placed.push({ key, shape, owner });
    if (placed.length === shapes.length * cluster.ports.length * perMaster) return placed;
  }
  throw new Error(`no ${perMaster} keys of every shape on every master among ${MAX_KEYS}`);
}

/** The masters holding the keys, each once, sorted. */
const owners = (placed: PlacedKey[]): number[] => [...new Set(placed.map((p) => p.owner))].sort((a, b) => a - b);

/** 3N requests per key at once, alternating between the gateways. */
function burst(gateways: { url: string }[], placed: PlacedKey[], perKey: number): Promise<CallResult[][]> {
  return Promise.all(
    placed.map(({ key }) =>
      Promise.all(Array.from({ length: perKey }, (_, i) => call(gateways[i % 2]!.url, 'GET', VISITORS, { headers: key.headers }))),
    ),
  );
}

/** A gateway's limiter counter from its ops listener's /metrics. */
async function limiterCounter(opsUrl: string, event: 'redis_errors' | 'fallbacks'): Promise<number> {
  const { text } = await call(opsUrl, 'GET', '/metrics');
  const match = new RegExp(`^bullseye_gateway_rate_limiter_${event}_total (\\d+)$`, 'm').exec(text);
  if (!match) throw new Error(`no ${event} counter in /metrics`);
  return Number(match[1]);
}

t.test('a 3-master Redis Cluster shared by two gateway processes', async (t) => {
  const dir = tempDir(t, 'bullseye-cluster');
  const cluster = await startRedisCluster(t);
  const admin = await startSplitAdmin(t, join(dir, 'bullseye.db'));
  const upstream = await startUpstream(t);
  const single = await keysOnEveryMaster(admin, cluster, [SINGLE], 2);
  const plans = await keysOnEveryMaster(admin, cluster, PLANS, 1);
  const settingsPath = join(dir, 'gateway.yaml');
  // The default settings, auto-pipelining on: the Cluster client must not pipeline script calls
  // (gateway/limiter/redis-client.ts), or one tick's takes for keys on different masters fail
  // together and fall back to each gateway's memory (found here: 132 admitted where 66 were allowed).
  writeFileSync(settingsPath, patientRedisSettings());
  const env = splitGatewayEnv(dir, admin, upstream, {
    policy: TEST_POLICY,
    env: { REDIS_URL: cluster.url, CONFIG_PATH: settingsPath },
  });
  const gateways = await Promise.all(
    [0, 1].map(async () => {
      const gateway = await spawnGateway(t, env);
      const listening = JSON.parse(await gateway.process.waitForLine(/"msg":"gateway listening"/)) as { opsPort: number };
      // Open mode listens before Redis is reached; exact counts need Redis from the first request.
      await gateway.process.waitForLine(/"msg":"rate limiter: connected to Redis"/);
      return { ...gateway, opsUrl: `http://127.0.0.1:${listening.opsPort}` };
    }),
  );
  /** Per key: exactly `limit` admitted, the rest refused with `shape.refusal`, and each bucket on the owner holding `shape.after`. */
  async function checkKeys(t: Test, placed: PlacedKey[], limit: number): Promise<void> {
    const results = await burst(gateways, placed, 3 * limit);
    for (const [i, { key, shape, owner }] of placed.entries()) {
      const responses = results[i] as CallResult[];
      const label = `${shape.name}, key on :${owner}`;
      t.equal(responses.filter((r) => r.status === 200).length, limit, `${label}: exactly ${limit} of ${3 * limit} admitted`);
      const refused = responses.filter((r) => r.status === 429);
      t.equal(refused.length, 2 * limit, `${label}: the rest refused`);
      t.ok(
        refused.every((r) => r.json?.code === shape.refusal),
        `${label}: refused as ${shape.refusal}`,
      );
      const buckets = Object.keys(shape.after).map((suffix) => bucketKey(key.id, 'rl:', suffix));
      t.same(await cluster.keysOn(owner, `rl:{${key.id}}*`), [...buckets].sort(), `${label}: every bucket is on its slot's master`);
      for (const port of cluster.ports.filter((port) => port !== owner)) {
        t.same(await cluster.keysOn(port, `rl:{${key.id}}*`), [], `${label}: no bucket on :${port}`);
      }
      for (const [suffix, expected] of Object.entries(shape.after)) {
        const hash = await cluster.node(owner).hgetall(bucketKey(key.id, 'rl:', suffix));
        const level = suffix.startsWith(':q:') ? Number(hash.u) : Math.floor(Number(hash.tokens));
        t.equal(level, expected, `${label}: ${suffix} holds ${expected}: refusals charged nothing`);
      }
    }
  }

  await t.test('exactly N of 3N per key through both gateways, keys on all three masters', async (t) => {
    t.same(
      owners(single),
      [...cluster.ports].sort((a, b) => a - b),
      'the keys cover every master',
    );
    await checkKeys(t, single, LIMIT);
  });

  await t.test('two windows and a quota per key: all-or-nothing, exact, one slot per request', async (t) => {
    t.same(
      owners(plans),
      [...cluster.ports].sort((a, b) => a - b),
      'the keys cover every master',
    );
    for (const { key, shape } of plans) {
      const slots = await Promise.all(Object.keys(shape.after).map((suffix) => cluster.slotOf(bucketKey(key.id, 'rl:', suffix))));
      t.equal(new Set(slots).size, 1, `the buckets of ${key.id} share slot ${slots[0]}`);
    }
    await checkKeys(t, plans, PLAN_LIMIT);
  });

  const allowed = single.length * LIMIT + plans.length * PLAN_LIMIT;
  t.equal(upstream.received.length, allowed, 'only admitted requests reached the upstream');
  for (const gateway of gateways) {
    t.equal(await limiterCounter(gateway.opsUrl, 'redis_errors'), 0, 'no Redis call failed (no CROSSSLOT, no MOVED left unfollowed)');
    t.equal(await limiterCounter(gateway.opsUrl, 'fallbacks'), 0, 'no request fell back to the in-memory buckets');
    t.equal(await gateway.process.stop(), 0, 'the gateway exits cleanly');
  }
});
