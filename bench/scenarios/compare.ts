// Two builds of the gateway side by side: this checkout's and another's
// (--against DIR: a checkout with `npm run build` done). Both are loaded at
// the same time on the one pinned CPU (--pin), each by its own load generator
// with half the connections, so the kernel splits that core between them and
// their request counts compare their costs per request under the same noise.
// Interleaved rounds on a shared machine move by ±10 % or more between
// rounds; this shows a 3 % change. Every round starts both builds afresh,
// because a process' own JIT and heap layout are worth about ±5 %.
// Target (--targets): gateway-memory (default) or gateway-redis run `start`
// (the admin in the same process); gateway-split runs each build's `admin`
// off the pinned CPU and its `gateway` (memory limiter) on it, so the data
// plane is compared alone. Two kinds, `gateway-redis,gateway-memory`, run the
// first in this checkout and the second in --against (default: this checkout
// too): the Redis limiter's cost against the memory limiter's, at once.
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PROXY_CPU } from '../cpu-time.js';
import type { LoadGenerator, LoadResult } from '../load/types.js';
import { fmt, markdownTable, median, times } from '../report.js';
import { perRequest } from '../rounds.js';
import { startCombinedGateway } from '../targets/gateway.js';
import { bootstrapKey } from '../targets/gateway-setup.js';
import { startAdmin, startSplitGateway } from '../targets/gateway-split.js';
import type { Target } from '../targets/types.js';
import { startRedisServer } from '../targets/redis.js';
import { startUpstream, type Upstream } from '../targets/upstream.js';
import type { BenchContext } from '../context.js';
import type { ScenarioOptions, ScenarioOutcome } from './types.js';

const KINDS = ['gateway-memory', 'gateway-redis', 'gateway-split'];

/** One build's gateway under test, with whatever it needs stopped after the round. */
interface BuildUnderTest {
  target: Target;
  stop(): Promise<void>;
}

interface RoundResult {
  results: LoadResult[];
  cpuMicros: number[];
}

export async function compareScenario(ctx: BenchContext, load: LoadGenerator, options: ScenarioOptions): Promise<ScenarioOutcome> {
  if (!ctx.pinned) throw new Error('--scenario compare needs --pin: both builds must share one CPU');
  const [kind = 'gateway-memory', againstKind = kind, ...extra] = options.targets;
  const combined = (k: string) => k === 'gateway-memory' || k === 'gateway-redis';
  if (
    !KINDS.includes(kind) ||
    !KINDS.includes(againstKind) ||
    extra.length ||
    (kind !== againstKind && !(combined(kind) && combined(againstKind)))
  )
    throw new Error(`--targets for compare: one of ${KINDS.join(', ')}, or gateway-redis,gateway-memory (this build's two limiters)`);
  // Two kinds: this checkout against itself unless --against names another, e.g. Redis with leases against memory.
  if (!options.against && kind === againstKind)
    throw new Error('--scenario compare needs --against DIR (another checkout, built with npm run build)');
  const otherCli = options.against ? join(resolve(options.against), 'dist', 'cli.js') : ctx.cliPath;
  if (!existsSync(otherCli)) throw new Error(`${otherCli} not found (run npm run build in ${options.against})`);
  const againstLabel = options.against ? `--against ${options.against}` : 'this checkout';

  const upstream = await startUpstream(ctx);
  const redis = kind === 'gateway-redis' || againstKind === 'gateway-redis' ? await startRedisServer(ctx, 'compare-redis') : undefined;
  const builds = [
    { id: 'this', label: `this checkout (${kind})`, cliPath: ctx.cliPath, kind },
    { id: 'against', label: `${againstLabel} (${againstKind})`, cliPath: otherCli, kind: againstKind },
  ];
  const connections = Math.max(1, Math.floor(options.connections / 2));
  const startCombined = async (id: string, build: { label: string; cliPath: string; kind: string }): Promise<BuildUnderTest> => {
    const { target, child } = await startCombinedGateway(ctx, {
      id,
      label: build.label,
      upstream,
      redis: build.kind === 'gateway-redis' ? redis : undefined,
      cliPath: build.cliPath,
    });
    return { target, stop: () => child.stop() };
  };
  const rounds: RoundResult[] = [];
  for (let round = 1; round <= options.rounds; round++) {
    const gateways: BuildUnderTest[] = [];
    for (const build of builds) {
      const id = `${build.id}-${round}`;
      gateways.push(kind === 'gateway-split' ? await startSplit(ctx, id, upstream, build.cliPath) : await startCombined(id, build));
    }
    const loadBoth = (durationSec: number) =>
      Promise.all(gateways.map(({ target }) => load.run({ url: target.url, headers: target.headers, connections, durationSec })));
    ctx.log(`round ${round}/${options.rounds}: both builds at once (${options.warmupSec}s warm-up, ${options.durationSec}s)`);
    if (options.warmupSec > 0) await loadBoth(options.warmupSec);
    const before = await Promise.all(gateways.map(({ target }) => target.counters?.() ?? Promise.resolve({})));
    const results = await loadBoth(options.durationSec);
    const after = await Promise.all(gateways.map(({ target }) => target.counters?.() ?? Promise.resolve({})));
    const cpuMicros = results.map((result, i) => perRequest(before[i]!, after[i]!, result.requests)[PROXY_CPU] ?? NaN);
    rounds.push({ results, cpuMicros });
    await Promise.all(gateways.map((gateway) => gateway.stop()));
  }

  const rpsRatios = rounds.map(({ results }) => results[0]!.rps / results[1]!.rps);
  const cpuRatios = rounds.map(({ cpuMicros }) => cpuMicros[0]! / cpuMicros[1]!);
  const p99Ratios = rounds.map(({ results }) => results[0]!.p99Ms / results[1]!.p99Ms);
  const rows = rounds.map(({ results, cpuMicros }, i) => [
    String(i + 1),
    results[1]!.rps.toFixed(0),
    results[0]!.rps.toFixed(0),
    times(rpsRatios[i]!),
    fmt(cpuMicros[1]!, 1),
    fmt(cpuMicros[0]!, 1),
    times(cpuRatios[i]!),
    fmt(results[1]!.p99Ms, 1),
    fmt(results[0]!.p99Ms, 1),
    times(p99Ratios[i]!),
  ]);
  rows.push(['median', '', '', times(median(rpsRatios)), '', '', times(median(cpuRatios)), '', '', times(median(p99Ratios))]);
  const markdown = [
    `## ${builds[0]!.label} against ${builds[1]!.label}`,
    `Both builds loaded at once on the pinned CPU, ${connections} connections each, fresh processes every round. Above 1.00× in req/s (below in CPU) means this checkout is cheaper per request.`,
    '',
    markdownTable(
      [
        'round',
        'against req/s',
        'this req/s',
        'req/s this/against',
        'against CPU µs/req',
        'this CPU µs/req',
        'CPU this/against',
        'against p99 ms',
        'this p99 ms',
        'p99 this/against',
      ],
      rows,
    ),
  ].join('\n');
  const failures = rounds.flatMap(({ results }, round) =>
    results.flatMap((result, i) =>
      result.errors || result.non2xx
        ? [`round ${round + 1}, ${builds[i]!.label}: ${result.errors} errors, ${result.non2xx} unexpected statuses`]
        : [],
    ),
  );
  const settingsLine = `${options.rounds} rounds × ${options.durationSec} s, both builds at once with ${connections} connections each, ${options.warmupSec} s warm-up per round; medians over rounds`;
  return { markdown, failures, data: { kind, againstKind, against: options.against, rounds }, settingsLine };
}

/** `cliPath`'s admin on a fresh database (a key bootstrapped by the same build) and its split gateway. */
async function startSplit(ctx: BenchContext, id: string, upstream: Upstream, cliPath: string): Promise<BuildUnderTest> {
  const dir = join(ctx.workDir, id);
  mkdirSync(dir, { recursive: true });
  const databasePath = join(dir, 'bench.db');
  const key = await bootstrapKey(ctx, databasePath, { cliPath });
  const admin = await startAdmin(ctx, `${id}-admin`, databasePath, cliPath);
  const gateway = await startSplitGateway(ctx, { name: id, admin, upstream, plainKey: key.plainKey, cliPath });
  return {
    target: gateway.target,
    stop: async () => {
      await gateway.child.stop();
      await admin.child.stop();
    },
  };
}
