// Turning rounds into the table: medians over rounds, ratios against the bare
// proxy and the direct upstream, the machine the numbers came from, and the
// files under bench/results/ (latest.md is the one the README quotes).
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, type } from 'node:os';
import { join } from 'node:path';
import { PROXY_CPU } from './cpu-time.js';
import { warningsIn } from './log-summary.js';
import type { TargetRun } from './rounds.js';

export interface Summary {
  readonly id: string;
  readonly label: string;
  /** Median over rounds. */
  readonly rps: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly requests: number;
  readonly errors: number;
  readonly non2xx: number;
  /** Median per-request counter rates (e.g. Redis commands), if counted. */
  readonly perRequest?: Record<string, number>;
  /** The target's detail line (targets/types.ts). */
  readonly detail?: string;
  /** Why the target has no numbers (not available, smoke check failed). */
  readonly note?: string;
  readonly failed: boolean;
}

export function median(values: readonly number[]): number {
  const sorted = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export function summarize(run: TargetRun): Summary {
  const { results } = run;
  const sum = (pick: (r: (typeof results)[number]) => number) => results.reduce((acc, r) => acc + pick(r), 0);
  const errors = sum((r) => r.errors);
  const non2xx = sum((r) => r.non2xx);
  let perRequest: Record<string, number> | undefined;
  if (run.perRequest.length) {
    perRequest = {};
    for (const name of new Set(run.perRequest.flatMap((rates) => Object.keys(rates)))) {
      perRequest[name] = median(run.perRequest.map((rates) => rates[name] ?? 0));
    }
  }
  return {
    id: run.target.id,
    label: run.target.label,
    rps: median(results.map((r) => r.rps)),
    p50Ms: median(results.map((r) => r.p50Ms)),
    p99Ms: median(results.map((r) => r.p99Ms)),
    requests: sum((r) => r.requests),
    errors,
    non2xx,
    perRequest,
    detail: [run.target.detail, run.target.logPath && warningsIn(run.target.logPath)].filter(Boolean).join('; ') || undefined,
    note: run.problem,
    failed: run.problem !== undefined || errors > 0 || non2xx > 0,
  };
}

export const noNumbers = (id: string, label: string, note: string, failed = false): Summary => ({
  id,
  label,
  rps: NaN,
  p50Ms: NaN,
  p99Ms: NaN,
  requests: 0,
  errors: 0,
  non2xx: 0,
  note,
  failed,
});

export const fmt = (value: number, digits = 2): string => (Number.isFinite(value) ? value.toFixed(digits) : '–');
export const times = (ratio: number): string => (Number.isFinite(ratio) ? `${fmt(ratio)}×` : '–');
export const pct = (ratio: number): string => (Number.isFinite(ratio) ? `${(ratio * 100).toFixed(1)} %` : '–');
const rps = (value: number): string => (Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : '–');

export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** The main table: one row per target, ratios against `bareId` and `directId`. */
export function throughputTable(summaries: readonly Summary[], bareId = 'bare', directId = 'direct'): string {
  const bare = summaries.find((s) => s.id === bareId);
  const direct = summaries.find((s) => s.id === directId);
  const rows = summaries.map((s) => [
    s.label,
    rps(s.rps),
    fmt(s.p50Ms),
    fmt(s.p99Ms),
    String(s.errors),
    String(s.non2xx),
    pct(s.rps / (bare?.rps ?? NaN)),
    times(s.p99Ms / (bare?.p99Ms ?? NaN)),
    pct(s.rps / (direct?.rps ?? NaN)),
    fmt(cpuPerRequest(s), 1),
    times(cpuPerRequest(s) / (bare ? cpuPerRequest(bare) : NaN)),
    s.perRequest ? fmt(s.perRequest.commands ?? NaN) : '–',
    s.note ?? '',
  ]);
  const header = [
    'target',
    'req/s',
    'p50 ms',
    'p99 ms',
    'errors',
    'non-2xx',
    'req/s vs bare',
    'p99 vs bare',
    'req/s vs direct',
    'CPU µs/req',
    'CPU/req vs bare',
    'Redis cmds/req',
    'note',
  ];
  return [markdownTable(header, rows), ...details(summaries)].join('\n');
}

/** The proxy process' CPU time per request (median of rounds), where it was measured. */
export const cpuPerRequest = (s: Summary): number => s.perRequest?.[PROXY_CPU] ?? NaN;

/** Lines under the table: each target's detail and per-request counters. */
function details(summaries: readonly Summary[]): string[] {
  const lines: string[] = [];
  for (const s of summaries) {
    const counters = s.perRequest
      ? `per request under load (median of rounds): ${Object.entries(s.perRequest)
          .map(([name, n]) => `${name} ${fmt(n)}`)
          .join(', ')}`
      : '';
    const text = [s.detail, counters].filter(Boolean).join('; ');
    if (text) lines.push(`- ${s.label}: ${text}`);
  }
  return lines.length ? ['', ...lines] : [];
}

export interface RunSettings {
  scenario: string;
  generator: string;
  connections: number;
  durationSec: number;
  rounds: number;
  warmupSec: number;
  /** Replaces the rounds line (scenarios without load). */
  settingsLine?: string;
  /** os.loadavg() when the run started. */
  loadAtStart: readonly number[];
  /** How processes were placed on CPUs (cpu-pinning.ts). */
  pinning: string;
}

export function machineSection(settings: RunSettings): string {
  // The machine's CPUs, not this process' (with --pin the harness itself runs on fewer).
  const all = cpus();
  const cpu = all[0]?.model ?? 'unknown CPU';
  const load = (now: readonly number[]) => now.map((n) => n.toFixed(2)).join(' ');
  return [
    `- date: ${new Date().toISOString()}`,
    `- machine: ${all.length} CPUs (${cpu}), ${type()} ${release()}; load average ${load(settings.loadAtStart)} at start, ${load(loadavg())} at end`,
    `- Node ${process.version}; load generator: ${settings.generator}`,
    `- CPUs: ${settings.pinning}`,
    settings.settingsLine
      ? `- ${settings.settingsLine}`
      : `- ${settings.rounds} interleaved rounds × ${settings.durationSec} s per target, ${settings.connections} connections, ${settings.warmupSec} s warm-up; medians over rounds`,
    `- commit: ${gitCommit()}`,
  ].join('\n');
}

function gitCommit(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}

/** Write `<stamp>-<scenario>.md/.json` (git-ignored) and, for the main scenario, latest.md. */
export function writeResults(repoRoot: string, scenario: string, markdown: string, data: unknown): string[] {
  const dir = join(repoRoot, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const written = [join(dir, `${stamp}-${scenario}.md`), join(dir, `${stamp}-${scenario}.json`)];
  writeFileSync(written[0] as string, markdown);
  writeFileSync(written[1] as string, JSON.stringify(data, null, 2));
  const latest = join(dir, scenario === 'throughput' ? 'latest.md' : `latest-${scenario}.md`);
  writeFileSync(latest, markdown);
  written.push(latest);
  return written;
}
