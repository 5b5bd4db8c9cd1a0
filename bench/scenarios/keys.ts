// Key store scale: a split-mode gateway bootstrapping its replica over the
// admin's change feed from a store of 100 keys and from one of N (default
// 1,000,000), side by side. Measures bootstrap time (spawn to the first
// /readyz 200), memory per key (difference between the two gateways: VmRSS
// from /proc, and heap after a full GC from the bench's preloaded memory
// probe), and requests/s with each replica in interleaved rounds.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchContext } from '../context.js';
import { httpCall } from '../http.js';
import type { LoadGenerator } from '../load/types.js';
import { sampleMemory, vmRss, type MemorySample } from '../memory.js';
import { fmt, markdownTable, pct, summarize } from '../report.js';
import { runInterleaved } from '../rounds.js';
import { startBareProxy } from '../targets/bare-proxy.js';
import { bootstrapKey } from '../targets/gateway-setup.js';
import { startAdmin, startSplitGateway } from '../targets/gateway-split.js';
import { startUpstream } from '../targets/upstream.js';
import type { Target } from '../targets/types.js';
import { bulkInsertKeys, type BulkInsert } from './bulk-keys.js';
import { describeFailure } from './throughput.js';
import type { ScenarioOptions, ScenarioOutcome } from './types.js';

const SMALL = 100;

interface Store {
  size: number;
  bulk: BulkInsert;
  bootstrapMs: number;
  memory: MemorySample;
  readiness: string;
  pid: number;
  target: Target;
}

export async function keysScenario(ctx: BenchContext, load: LoadGenerator, options: ScenarioOptions): Promise<ScenarioOutcome> {
  const upstream = await startUpstream(ctx);
  const bare = await startBareProxy(ctx, upstream);
  const stores: Store[] = [];
  for (const size of [SMALL, options.keys]) {
    const name = `gateway-${size}-keys`;
    const dir = join(ctx.workDir, name);
    mkdirSync(dir, { recursive: true });
    const databasePath = join(dir, 'keys.db');
    const key = await bootstrapKey(ctx, databasePath);
    ctx.log(`inserting ${size - 1} keys into ${databasePath}`);
    const bulk = bulkInsertKeys(databasePath, size - 1);
    const admin = await startAdmin(ctx, `admin-${size}-keys`, databasePath);
    ctx.log(`bootstrapping ${name} over the change feed`);
    const gateway = await startSplitGateway(ctx, {
      name,
      admin,
      upstream,
      plainKey: key.plainKey,
      memoryProbe: true,
      readyTimeoutMs: 300_000,
    });
    const readiness = (await httpCall(`${gateway.opsOrigin}/readyz`)).text;
    stores.push({
      size,
      bulk,
      bootstrapMs: gateway.bootstrapMs,
      memory: await sampleMemory(gateway.child.process),
      readiness,
      pid: gateway.child.pid,
      target: { ...gateway.target, label: `gateway, ${size.toLocaleString('en-US')} keys` },
    });
  }

  const runs = await runInterleaved(load, [bare, ...stores.map((s) => s.target)], options, ctx.log);
  const summaries = runs.map(summarize);
  const byTarget = (target: Target) => summaries[runs.findIndex((run) => run.target === target)]!;
  const mb = (bytes: number) => fmt(bytes / 1048576, 1);
  const rows = stores.map((store) => {
    const s = byTarget(store.target);
    return [
      store.size.toLocaleString('en-US'),
      fmt(store.bulk.ms / 1000, 1),
      fmt(store.bootstrapMs / 1000, 2),
      mb(store.memory.rss),
      mb(store.memory.heapUsed),
      mb(vmRss(store.pid)),
      fmt(s.rps, 0),
      fmt(s.p50Ms),
      fmt(s.p99Ms),
      String(s.errors + s.non2xx),
    ];
  });
  const [small, large] = stores as [Store, Store];
  const extraKeys = large.size - small.size;
  const heapPerKey = (large.memory.heapUsed - small.memory.heapUsed) / extraKeys;
  const rssPerKey = (large.memory.rss - small.memory.rss) / extraKeys;
  const rpsRatio = byTarget(large.target).rps / byTarget(small.target).rps;
  const verdict = (ok: boolean | undefined) => (ok === undefined ? 'not measured' : ok ? 'met' : 'NOT met');
  const finite = (n: number, ok: (n: number) => boolean) => (Number.isFinite(n) ? ok(n) : undefined);
  const markdown = [
    '## Key store scale',
    `Split mode: \`bullseye-gateway admin\` on a SQLite file filled with N keys (bulk insert, ${large.bulk.organizations} organizations), \`bullseye-gateway gateway\` bootstrapping over the change feed. Bootstrap = process spawn to the first /readyz 200 (polled every 10 ms), so it includes Node start-up. Memory at readiness: RSS from /proc/<pid>/status VmRSS; heap = process.memoryUsage().heapUsed after gc(), read through bench/probes/memory-probe.js preloaded with --expose-gc --import.`,
    '',
    markdownTable(
      [
        'keys',
        'bulk insert s',
        'bootstrap s',
        'RSS MB at ready',
        'heap MB after GC',
        'RSS MB after load',
        'req/s',
        'p50 ms',
        'p99 ms',
        'errors + non-2xx',
      ],
      rows,
    ),
    '',
    `Bare undici proxy in the same rounds: ${fmt(byTarget(bare).rps, 0)} req/s, p99 ${fmt(byTarget(bare).p99Ms)} ms.`,
    '',
    markdownTable(
      ['target', 'measured', 'goal', ''],
      [
        [
          `bootstrap with ${large.size.toLocaleString('en-US')} keys`,
          `${fmt(large.bootstrapMs / 1000, 2)} s`,
          '≤ 10 s',
          verdict(finite(large.bootstrapMs, (ms) => ms <= 10_000)),
        ],
        ['heap per key (difference / extra keys)', `${fmt(heapPerKey, 0)} B`, '≤ 300 B', verdict(finite(heapPerKey, (b) => b <= 300))],
        ['RSS per key (difference / extra keys)', `${fmt(rssPerKey, 0)} B`, '(upper bound of the above)', ''],
        [`req/s with ${large.size.toLocaleString('en-US')} keys vs ${SMALL}`, pct(rpsRatio), 'within noise', ''],
      ],
    ),
    '',
    `Readiness of the large gateway: \`${large.readiness.trim()}\``,
  ].join('\n');
  const failures = summaries.filter((s) => s.failed).map(describeFailure);
  return {
    markdown,
    failures,
    data: { stores: stores.map(({ target, ...rest }) => ({ ...rest, id: target.id })), summaries },
  };
}
