// The default scenario: the same request through every target, interleaved
// rounds, one table. Targets: the upstream directly, the bare undici proxy
// (plain, and with only the contract's unavoidable work: its headers, then
// also a Redis take), nginx (if installed), the gateway with the in-memory limiter (at LOG_LEVEL
// warn and info: access logs are part of the real cost) and with the Redis
// limiter (its own redis-server), and both with three windows and a quota.
// Then the targets, measured.
import type { BenchContext } from '../context.js';
import type { LoadGenerator } from '../load/types.js';
import { noNumbers, summarize, throughputTable, type Summary } from '../report.js';
import { runInterleaved } from '../rounds.js';
import { startBareProxy } from '../targets/bare-proxy.js';
import { oneLine, prepareGateway } from '../targets/gateway.js';
import { BENCH_WINDOWS_AND_QUOTA } from '../targets/gateway-setup.js';
import { startNginx } from '../targets/nginx.js';
import { startRedisServer, type BenchRedis } from '../targets/redis.js';
import { directTarget, startUpstream, type Upstream } from '../targets/upstream.js';
import { unavailable, type Prepared } from '../targets/types.js';
import { targetChecks } from './checks.js';
import type { ScenarioOptions, ScenarioOutcome } from './types.js';

export const THROUGHPUT_TARGETS = [
  'direct',
  'bare',
  'bare-headers',
  'bare-redis',
  'nginx',
  'gateway-memory',
  'gateway-redis',
  'gateway-memory-info',
  'gateway-memory-windows',
  'gateway-redis-windows',
];

type Starter = (ctx: BenchContext, upstream: Upstream) => Promise<Prepared>;

const STARTERS: Record<string, Starter> = {
  direct: async (_ctx, upstream) => ({ ok: true, target: directTarget(upstream) }),
  bare: async (ctx, upstream) => ({ ok: true, target: await startBareProxy(ctx, upstream) }),
  'bare-headers': async (ctx, upstream) => ({ ok: true, target: await startBareProxy(ctx, upstream, 'headers') }),
  'bare-redis': (ctx, upstream) =>
    withRedis(ctx, 'bare-redis', 'bare proxy + contract headers + Redis take', async (redis) => ({
      ok: true,
      target: await startBareProxy(ctx, upstream, 'redis', redis),
    })),
  nginx: startNginx,
  'gateway-memory': (ctx, upstream) => prepareGateway(ctx, { id: 'gateway-memory', label: 'gateway (memory limiter)', upstream }),
  'gateway-redis': (ctx, upstream) =>
    withRedis(ctx, 'gateway-redis', 'gateway (Redis limiter)', (redis) =>
      prepareGateway(ctx, { id: 'gateway-redis', label: 'gateway (Redis limiter)', upstream, redis }),
    ),
  'gateway-memory-info': (ctx, upstream) =>
    prepareGateway(ctx, {
      id: 'gateway-memory-info',
      label: 'gateway (memory limiter, LOG_LEVEL=info)',
      upstream,
      logLevel: 'info',
    }),
  'gateway-memory-windows': (ctx, upstream) =>
    prepareGateway(ctx, {
      id: 'gateway-memory-windows',
      label: 'gateway (memory limiter, 3 windows + quota)',
      upstream,
      limits: BENCH_WINDOWS_AND_QUOTA,
    }),
  'gateway-redis-windows': (ctx, upstream) =>
    withRedis(ctx, 'gateway-redis-windows', 'gateway (Redis limiter, 3 windows + quota)', (redis) =>
      prepareGateway(ctx, {
        id: 'gateway-redis-windows',
        label: 'gateway (Redis limiter, 3 windows + quota)',
        upstream,
        redis,
        limits: BENCH_WINDOWS_AND_QUOTA,
      }),
    ),
};

/** Start a redis-server for one target; a missing redis-server makes the target unavailable. */
export async function withRedis(
  ctx: BenchContext,
  id: string,
  label: string,
  start: (redis: BenchRedis) => Promise<Prepared>,
): Promise<Prepared> {
  let redis: BenchRedis;
  try {
    redis = await startRedisServer(ctx, `${id}-redis`);
  } catch (err) {
    return unavailable(id, label, `not available: ${oneLine(err)}`);
  }
  return start(redis);
}

export async function throughputScenario(ctx: BenchContext, load: LoadGenerator, options: ScenarioOptions): Promise<ScenarioOutcome> {
  const ids = options.targets.length ? options.targets : THROUGHPUT_TARGETS;
  const unknown = ids.filter((id) => !(id in STARTERS));
  if (unknown.length) throw new Error(`unknown target(s) ${unknown.join(', ')}; known: ${THROUGHPUT_TARGETS.join(', ')}`);

  const upstream = await startUpstream(ctx);
  const prepared: Prepared[] = [];
  for (const id of ids) {
    ctx.log(`starting ${id}`);
    prepared.push(await (STARTERS[id] as Starter)(ctx, upstream));
  }
  const ready = prepared.flatMap((p) => (p.ok ? [p.target] : []));
  const runs = await runInterleaved(load, ready, options, ctx.log);
  const summaries: Summary[] = prepared.map((p) =>
    p.ok ? summarize(runs.find((run) => run.target === p.target)!) : noNumbers(p.id, p.label, p.reason),
  );
  const failures = summaries.filter((s) => s.failed).map(describeFailure);
  const markdown = [
    '## Throughput',
    'Every target answers `GET /api/v1/organization/bench-org/visitors` with the same ~1 KB JSON body from one upstream process; gateway requests carry a valid read key, pass the route, scope and rate-limit checks (limit never reached) and get the identity and X-RateLimit-* headers.',
    '',
    throughputTable(summaries),
    '',
    targetChecks(summaries),
  ].join('\n');
  return {
    markdown,
    failures,
    data: { summaries, runs: runs.map((r) => ({ id: r.target.id, results: r.results, perRequest: r.perRequest })) },
  };
}

export const describeFailure = (s: Summary): string =>
  s.note ? `${s.label}: ${s.note}` : `${s.label}: ${s.errors} errors, ${s.non2xx} unexpected statuses`;
