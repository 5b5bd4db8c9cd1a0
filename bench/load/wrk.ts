// wrk as the load generator: a separate C process, so the harness' own event
// loop costs the targets nothing. Latency percentiles come from --latency; a
// Lua script is used only when a scenario needs per-request keys or status
// counts (a Lua callback per response slows wrk down).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findExecutable, type BenchContext } from '../context.js';
import type { LoadGenerator, LoadResult, LoadSpec } from './types.js';

export const findWrk = (): string | undefined => findExecutable('wrk');

export async function wrkGenerator(ctx: BenchContext, binary: string, threads: number): Promise<LoadGenerator> {
  const version = await ctx.group.run(binary, ['-v']);
  const name = /wrk\s+\S+/.exec(version.stdout + version.stderr)?.[0] ?? 'wrk';
  let scripts = 0;
  return {
    name: `${name} (${threads} thread${threads === 1 ? '' : 's'})`,
    async run(spec) {
      const args = ['-t', String(Math.min(threads, spec.connections)), '-c', String(spec.connections)];
      args.push('-d', `${spec.durationSec}s`, '--latency', '--timeout', '5s');
      for (const [header, value] of Object.entries(spec.headers)) args.push('-H', `${header}: ${value}`);
      if (spec.randomKey || spec.countStatuses) {
        const path = join(ctx.workDir, `wrk-${++scripts}.lua`);
        writeFileSync(path, luaScript(spec));
        args.push('-s', path);
      }
      args.push(spec.url);
      const result = await ctx.group.run(binary, args);
      if (result.code !== 0) throw new Error(`wrk exited ${result.code}: ${result.stderr.trim() || result.stdout.trim()}`);
      return parseWrkOutput(result.stdout);
    },
  };
}

const STATUS_MARKER = 'BENCH_STATUSES ';

export function luaScript(spec: LoadSpec): string {
  const parts = [
    `local threads = {}
local count = 0
function setup(thread)
  count = count + 1
  thread:set("thread_id", count)
  table.insert(threads, thread)
end
statuses = {}
function init(args)
  math.randomseed(os.time() * 100 + (thread_id or 0))
end
`,
  ];
  if (spec.randomKey) {
    const { header, prefix, hexLength } = spec.randomKey;
    parts.push(`local hex = "0123456789abcdef"
function request()
  local t = {}
  for i = 1, ${hexLength} do
    local n = math.random(1, 16)
    t[i] = hex:sub(n, n)
  end
  wrk.headers["${header}"] = "${prefix}" .. table.concat(t)
  return wrk.format()
end
`);
  }
  if (spec.countStatuses) {
    parts.push(`function response(status, headers, body)
  local key = tostring(status)
  statuses[key] = (statuses[key] or 0) + 1
end
function done(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    for k, v in pairs(thread:get("statuses")) do total[k] = (total[k] or 0) + v end
  end
  local out = {}
  for k, v in pairs(total) do table.insert(out, string.format('"%s":%d', k, v)) end
  io.write("${STATUS_MARKER}{" .. table.concat(out, ",") .. "}\\n")
end
`);
  }
  return parts.join('');
}

const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

function toMs(value: string | undefined, unit: string | undefined): number {
  return value === undefined || unit === undefined ? Number.NaN : Number(value) * (UNIT_MS[unit] ?? Number.NaN);
}

export function parseWrkOutput(stdout: string): LoadResult {
  const percentile = (p: string): number => {
    const match = new RegExp(`^\\s+${p}%\\s+([\\d.]+)(us|ms|s|m|h)\\s*$`, 'm').exec(stdout);
    return toMs(match?.[1], match?.[2]);
  };
  const total = /(\d+) requests in ([\d.]+)(us|ms|s|m|h)/.exec(stdout);
  if (!total) throw new Error(`cannot read wrk output:\n${stdout}`);
  const requests = Number(total[1]);
  const durationSec = toMs(total[2], total[3]) / 1000;
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(stdout);
  const errors = socket ? socket.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0;
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(stdout)?.[1] ?? 0);
  const marker = stdout.split('\n').find((line) => line.startsWith(STATUS_MARKER));
  const statuses = marker ? (JSON.parse(marker.slice(STATUS_MARKER.length)) as Record<string, number>) : undefined;
  return {
    requests,
    durationSec,
    rps: requests / durationSec,
    p50Ms: percentile('50'),
    p99Ms: percentile('99'),
    errors,
    non2xx,
    statuses,
  };
}
