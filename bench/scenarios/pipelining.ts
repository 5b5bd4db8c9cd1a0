// The Redis limiter with and without ioredis auto-pipelining (settings file:
// `rateLimit.redisAutoPipelining: false`), each gateway with its own redis-server so
// INFO commandstats counts one gateway's commands, next to the bare proxy.
import type { BenchContext } from '../context.js';
import type { LoadGenerator } from '../load/types.js';
import { noNumbers, summarize, throughputTable, type Summary } from '../report.js';
import { runInterleaved } from '../rounds.js';
import { startBareProxy } from '../targets/bare-proxy.js';
import { prepareGateway } from '../targets/gateway.js';
import { startUpstream } from '../targets/upstream.js';
import type { Prepared } from '../targets/types.js';
import { describeFailure, withRedis } from './throughput.js';
import type { ScenarioOptions, ScenarioOutcome } from './types.js';

export async function pipeliningScenario(ctx: BenchContext, load: LoadGenerator, options: ScenarioOptions): Promise<ScenarioOutcome> {
  const upstream = await startUpstream(ctx);
  const prepared: Prepared[] = [{ ok: true, target: await startBareProxy(ctx, upstream) }];
  for (const [id, label, settingsYaml] of [
    ['gateway-redis-pipelined', 'gateway (Redis, auto-pipelining on)', 'rateLimit: { redisAutoPipelining: true }\n'],
    ['gateway-redis-unpipelined', 'gateway (Redis, auto-pipelining off)', 'rateLimit: { redisAutoPipelining: false }\n'],
  ] as const) {
    ctx.log(`starting ${id}`);
    prepared.push(await withRedis(ctx, id, label, (redis) => prepareGateway(ctx, { id, label, upstream, redis, settingsYaml })));
  }
  const ready = prepared.flatMap((p) => (p.ok ? [p.target] : []));
  const runs = await runInterleaved(load, ready, options, ctx.log);
  const summaries: Summary[] = prepared.map((p) =>
    p.ok ? summarize(runs.find((run) => run.target === p.target)!) : noNumbers(p.id, p.label, p.reason),
  );
  const markdown = [
    '## Redis limiter: auto-pipelining on and off',
    'Same request as the throughput scenario. "Redis cmds/req" is the script calls sent per request (growth of INFO commandstats, script-internal commands and INFO excluded). The limiter already sends the takes of one event-loop turn as one script call, so auto-pipelining (commands issued in the same tick share one write) has little left to combine.',
    '',
    throughputTable(summaries, 'bare', 'none'),
  ].join('\n');
  return { markdown, failures: summaries.filter((s) => s.failed).map(describeFailure), data: { summaries } };
}
