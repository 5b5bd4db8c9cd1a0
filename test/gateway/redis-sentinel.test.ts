// A real Sentinel failover under a real gateway (REDIS_URL=redis+sentinel://…,
// onRedisFailure open): a master, a replica and three sentinels. Before the
// failover, limits are exact and Redis answers; while the sentinels replace
// the master (SIGKILLed, or frozen with its connections open), every request is still answered, by the in-memory
// fallback, none waiting much beyond the command timeout; once the replica
// is promoted, the gateway follows it and limits are exact again.
import { performance } from 'node:perf_hooks';
import t from 'tap';
import { startGatewayStack, TEST_POLICY, type GatewayStack } from '../helpers/gateway.js';
import { call } from '../helpers/http.js';
import { startSentinelSet, type SentinelSet } from '../helpers/redis-sentinel.js';

const LIMIT = 10;
const POLICY = TEST_POLICY.replace('rateLimit: { requests: 1000, per: 1m }', `rateLimit: { requests: ${LIMIT}, per: 1h }`);
const COMMAND_TIMEOUT_MS = 200;
/** Allowance beyond the command timeout for a request's own work on a busy shared machine: generous, the point is "not stuck". */
const MARGIN_MS = 1_000;
/** How long the failover may take before the test gives up on the gateway following it. */
const FAILOVER_DEADLINE_MS = 20_000;

const visitors = (org: string) => `/api/v1/organization/${org}/visitors`;

/** The ops /metrics text. */
async function scrape(stack: GatewayStack): Promise<string> {
  return (await call(stack.opsUrl, 'GET', '/metrics')).text;
}

/** The backend the limiter's latest answer came from, per the `bullseye_gateway_rate_limiter_backend` gauge. */
function currentBackend(metrics: string): string | undefined {
  return /^bullseye_gateway_rate_limiter_backend\{backend="(\w+)"\} 1$/m.exec(metrics)?.[1];
}

/** Rate-limit checks answered by `backend` so far (the duration histogram's count). */
function answeredBy(metrics: string, backend: string): number {
  const series = `bullseye_gateway_rate_limiter_duration_seconds_count{backend="${backend}"} `;
  const line = metrics.split('\n').find((l) => l.startsWith(series));
  return line === undefined ? 0 : Number(line.slice(series.length));
}

/** 3N concurrent requests for `org`'s fresh key: their statuses, and how many checks Redis and the fallback answered. */
async function burst(stack: GatewayStack, org: string) {
  const key = stack.key({ org, scopes: ['read'] });
  const before = await scrape(stack);
  const responses = await Promise.all(
    Array.from({ length: 3 * LIMIT }, () => call(stack.gatewayUrl, 'GET', visitors(org), { headers: key.headers })),
  );
  const after = await scrape(stack);
  return {
    passed: responses.filter((r) => r.status === 200).length,
    refused: responses.filter((r) => r.status === 429).length,
    byRedis: answeredBy(after, 'redis') - answeredBy(before, 'redis'),
    byFallback: answeredBy(after, 'fallback') - answeredBy(before, 'fallback'),
    backend: currentBackend(after),
  };
}

for (const [how, stop] of [
  ['SIGKILLed', (sentinels: SentinelSet) => sentinels.killMaster()],
  // A hung master keeps its connections open: only the sentinels' announcement can move the client.
  ['frozen (SIGSTOP)', async (sentinels: SentinelSet) => sentinels.pauseMaster()],
] as const) {
  t.test(
    `Sentinel failover, master ${how}: exact before, answered by the fallback during, exact on the promoted replica after`,
    async (t) => {
      const sentinels = await startSentinelSet(t);
      const stack = await startGatewayStack(t, {
        policy: POLICY,
        env: { REDIS_URL: sentinels.url },
        settingsYaml: `rateLimit: { redisCommandTimeout: ${COMMAND_TIMEOUT_MS}ms, onRedisFailure: open }\n`,
      });

      const before = await burst(stack, 'acme');
      t.equal(before.passed, LIMIT, 'before the failover: exactly the limit passes');
      t.equal(before.refused, 2 * LIMIT, 'the rest is refused');
      t.equal(before.byRedis, 3 * LIMIT, 'every check answered by Redis (the master)');
      t.equal(before.backend, 'redis', 'the backend gauge says redis');

      // Its own generous limit, so every request during the failover should pass: a 429 here would hide nothing, a 5xx would be a failure.
      const busy = stack.key({ org: 'initech', scopes: ['read'], rateLimits: [{ requests: 100_000, perMs: 3_600_000 }] });
      const fallbackBefore = answeredBy(await scrape(stack), 'fallback');
      const killedAt = performance.now();
      await stop(sentinels);
      let promotedAt: number | undefined;
      const promotion = sentinels.waitForPromotion(FAILOVER_DEADLINE_MS).then(() => (promotedAt = performance.now()));
      promotion.catch(() => {}); // awaited below; a rejection must not go unhandled while the loop runs

      const statuses = new Map<number, number>();
      let slowest = 0;
      let followedAt: number | undefined;
      let requests = 0;
      while (followedAt === undefined && performance.now() - killedAt < FAILOVER_DEADLINE_MS) {
        const sentAt = performance.now();
        const response = await call(stack.gatewayUrl, 'GET', visitors('initech'), { headers: busy.headers });
        const tookMs = performance.now() - sentAt;
        requests++;
        slowest = Math.max(slowest, tookMs);
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        if (tookMs > COMMAND_TIMEOUT_MS + MARGIN_MS) t.fail(`a request during the failover took ${Math.round(tookMs)} ms`);
        // Requests are sequential, so the gauge names the backend that answered this one.
        if (promotedAt !== undefined && currentBackend(await scrape(stack)) === 'redis') followedAt = performance.now();
      }
      await promotion;
      t.ok(promotedAt, 'the sentinels promoted the replica');
      t.ok(followedAt, 'the gateway answers from Redis again: it follows the promoted replica');
      t.same([...statuses.keys()], [200], `all ${requests} requests during the failover passed (no 5xx)`);
      t.ok(
        slowest <= COMMAND_TIMEOUT_MS + MARGIN_MS,
        `none waited beyond the command timeout and margin (slowest ${Math.round(slowest)} ms)`,
      );
      t.ok(answeredBy(await scrape(stack), 'fallback') > fallbackBefore, 'the fallback answered while there was no master');
      if (promotedAt !== undefined && followedAt !== undefined) {
        t.comment(
          `failover: promoted ${Math.round(promotedAt - killedAt)} ms, gateway on Redis again ${Math.round(followedAt - killedAt)} ms after the kill`,
        );
      }

      const after = await burst(stack, 'globex');
      t.equal(after.passed, LIMIT, 'after the failover: exactly the limit passes for a fresh key');
      t.equal(after.refused, 2 * LIMIT, 'the rest is refused');
      t.equal(after.byRedis, 3 * LIMIT, 'every check answered by Redis (the promoted replica)');
      t.equal(after.byFallback, 0, 'none by the fallback');
    },
  );
}
