// A flood of random well-formed keys (right prefix, 32 hex characters, known
// to nobody): how fast the gateway answers 401, against a valid-key baseline
// on a separate gateway process (the abuse guard would otherwise block the
// baseline's address too). Two flood variants: the default abuse guard (30
// failed authentications per minute per address, then 429) and the guard
// raised out of reach with a settings file, so every answer is a 401 that
// went through format check, hash and replica lookup. RSS before and after
// shows whether the flood leaves memory behind.
import { randomBytes } from 'node:crypto';
import type { BenchContext } from '../context.js';
import type { LoadGenerator, LoadResult } from '../load/types.js';
import { vmRss } from '../memory.js';
import { fmt, markdownTable, median } from '../report.js';
import { runInterleaved } from '../rounds.js';
import { oneLine, startCombinedGateway, type GatewayOptions } from '../targets/gateway.js';
import { startUpstream } from '../targets/upstream.js';
import type { Target } from '../targets/types.js';
import type { ScenarioOptions, ScenarioOutcome } from './types.js';

const RANDOM_KEY = { header: 'X-API-Key', prefix: 'bsk_live_', hexLength: 32 };
const UNGUARDED = 'rateLimit:\n  authFailures: { requests: 1000000000, per: 1m }\n';

interface Variant {
  id: string;
  label: string;
  flood: boolean;
  settingsYaml?: string;
  allowed: readonly string[];
}

const VARIANTS: readonly Variant[] = [
  { id: 'gateway-valid', label: 'gateway, valid key', flood: false, allowed: ['200'] },
  { id: 'gateway-bad-guarded', label: 'gateway, random keys, default abuse guard', flood: true, allowed: ['401', '429'] },
  {
    id: 'gateway-bad-unguarded',
    label: 'gateway, random keys, guard raised (authFailures 1e9/min)',
    flood: true,
    settingsYaml: UNGUARDED,
    allowed: ['401', '429'],
  },
];

export async function badKeysScenario(ctx: BenchContext, load: LoadGenerator, options: ScenarioOptions): Promise<ScenarioOutcome> {
  const upstream = await startUpstream(ctx);
  const targets: Target[] = [];
  const pids = new Map<string, number>();
  const failures: string[] = [];
  for (const variant of VARIANTS) {
    ctx.log(`starting ${variant.id}`);
    const gatewayOptions: GatewayOptions = { id: variant.id, label: variant.label, upstream, settingsYaml: variant.settingsYaml };
    try {
      const gateway = await startCombinedGateway(ctx, gatewayOptions);
      pids.set(variant.id, gateway.child.pid);
      const randomHeader = { [RANDOM_KEY.header]: RANDOM_KEY.prefix + randomBytes(16).toString('hex') };
      targets.push(variant.flood ? { ...gateway.target, headers: randomHeader, expectStatus: 401, expectHeaders: [] } : gateway.target);
    } catch (err) {
      failures.push(`${variant.label}: not available: ${oneLine(err)}`);
    }
  }
  const rssBefore = new Map([...pids].map(([id, pid]) => [id, vmRss(pid)]));
  const runs = await runInterleaved(load, targets, options, ctx.log, (target) => ({
    countStatuses: true,
    randomKey: VARIANTS.find((v) => v.id === target.id)?.flood ? RANDOM_KEY : undefined,
  }));

  const rows = runs.map((run) => {
    const variant = VARIANTS.find((v) => v.id === run.target.id) as Variant;
    const statuses = countStatuses(run.results);
    const unexpected = Object.entries(statuses).filter(([status]) => !variant.allowed.includes(status));
    const errors = run.results.reduce((sum, r) => sum + r.errors, 0);
    if (run.problem) failures.push(`${variant.label}: ${run.problem}`);
    if (errors || unexpected.length) {
      failures.push(`${variant.label}: ${errors} errors, unexpected statuses ${JSON.stringify(Object.fromEntries(unexpected))}`);
    }
    const pid = pids.get(variant.id);
    const mb = (bytes: number | undefined) => fmt((bytes ?? NaN) / 1048576, 1);
    return [
      variant.label,
      fmt(median(run.results.map((r) => r.rps)), 0),
      fmt(median(run.results.map((r) => r.p50Ms))),
      fmt(median(run.results.map((r) => r.p99Ms))),
      String(statuses['200'] ?? 0),
      String(statuses['401'] ?? 0),
      String(statuses['429'] ?? 0),
      String(unexpected.reduce((sum, [, n]) => sum + n, 0)),
      String(errors),
      `${mb(rssBefore.get(variant.id))} → ${mb(pid === undefined ? NaN : vmRss(pid))}`,
      run.problem ?? '',
    ];
  });
  const markdown = [
    '## Bad-key flood',
    'All requests come from 127.0.0.1; latency percentiles cover every answer, whatever its status.',
    '',
    markdownTable(['target', 'req/s', 'p50 ms', 'p99 ms', '200', '401', '429', 'other', 'errors', 'RSS MB before → after', 'note'], rows),
  ].join('\n');
  return { markdown, failures, data: { runs: runs.map((r) => ({ id: r.target.id, results: r.results })) } };
}

function countStatuses(results: readonly LoadResult[]): Record<string, number> {
  const total: Record<string, number> = {};
  for (const result of results) {
    for (const [status, count] of Object.entries(result.statuses ?? {})) total[status] = (total[status] ?? 0) + count;
  }
  return total;
}
