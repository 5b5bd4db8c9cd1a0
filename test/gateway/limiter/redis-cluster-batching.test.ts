// Batching per slot on a real 3-master Redis Cluster: a turn's takes of one
// API key (all its buckets in its hash tag's slot) go in one script call,
// takes of different keys in calls of their own (their slots may be on other
// masters), and counts stay exact on every master.
import t from 'tap';
import { singleWindowPlan } from '../../../gateway/limiter/limit-plan.js';
import { createRedisClient, whenReady } from '../../../gateway/limiter/redis-client.js';
import { createRedisLimiter } from '../../../gateway/limiter/redis-limiter.js';
import { startRedisCluster } from '../../helpers/redis-cluster.js';
import { GENEROUS_TIMEOUT_MS } from './fixtures/redis.js';

const LIMIT = 10;
const KEYS = 9;

t.test('one script call per key and turn on a Cluster, exact on every master', async (t) => {
  const cluster = await startRedisCluster(t);
  const client = createRedisClient(cluster.url, { commandTimeoutMs: GENEROUS_TIMEOUT_MS });
  const limiter = createRedisLimiter({ client, commandTimeoutMs: GENEROUS_TIMEOUT_MS });
  t.teardown(() => limiter.close());
  t.equal(await whenReady(client, 10_000), true, 'connected to the cluster');
  const plans = Array.from({ length: KEYS }, (_, i) => singleWindowPlan(`key_${i}`, { requests: LIMIT, perMs: 3_600_000 }));
  const owners = new Set(await Promise.all(plans.map((plan) => cluster.ownerOf(`rl:{${plan.tag}}`))));
  t.equal(owners.size, 3, 'the keys cover every master');

  const scriptCalls = async () => {
    let calls = 0;
    for (const port of cluster.ports) {
      const stats = await cluster.node(port).info('commandstats');
      for (const match of stats.matchAll(/^cmdstat_(?:eval|evalsha):calls=(\d+)/gm)) calls += Number(match[1]);
    }
    return calls;
  };
  const before = await scriptCalls();
  const decisions = await Promise.all(plans.flatMap((plan) => Array.from({ length: 3 * LIMIT }, () => limiter.take(plan, 1))));
  t.equal((await scriptCalls()) - before, KEYS, `${decisions.length} takes in one turn: one script call per key`);
  for (const [i, plan] of plans.entries()) {
    const own = decisions.slice(i * 3 * LIMIT, (i + 1) * 3 * LIMIT);
    t.equal(own.filter((d) => d.allowed).length, LIMIT, `${plan.tag}: exactly ${LIMIT} of ${3 * LIMIT}`);
  }
});
