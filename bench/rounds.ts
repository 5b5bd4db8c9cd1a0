// Interleaved rounds: every target is checked with one request, warmed up,
// then measured round after round, the order rotating each round, so drift
// on a shared machine (other tenants, thermal, GC) spreads over all targets
// instead of landing on whichever ran last.
import { httpCall } from './http.js';
import type { LoadGenerator, LoadResult, LoadSpec } from './load/types.js';
import type { Target } from './targets/types.js';

export interface RoundOptions {
  rounds: number;
  durationSec: number;
  warmupSec: number;
  connections: number;
}

export interface TargetRun {
  readonly target: Target;
  readonly results: LoadResult[];
  /** Per round: growth of each counter divided by the round's requests. */
  readonly perRequest: Record<string, number>[];
  /** Set when the smoke check failed; the target was not loaded. */
  problem?: string;
}

type Progress = (message: string) => void;

export async function runInterleaved(
  generator: LoadGenerator,
  targets: readonly Target[],
  options: RoundOptions,
  log: Progress,
  extraSpec: (target: Target) => Partial<LoadSpec> = () => ({}),
): Promise<TargetRun[]> {
  const runs: TargetRun[] = targets.map((target) => ({ target, results: [], perRequest: [] }));
  for (const run of runs) run.problem = await smokeCheck(run.target);
  const live = runs.filter((run) => run.problem === undefined);
  const spec = (target: Target, durationSec: number): LoadSpec => ({
    url: target.url,
    headers: target.headers,
    connections: options.connections,
    durationSec,
    ...extraSpec(target),
  });
  if (options.warmupSec > 0) {
    for (const { target } of live) {
      log(`warm-up ${target.label} (${options.warmupSec}s)`);
      await generator.run(spec(target, options.warmupSec));
    }
  }
  for (let round = 0; round < options.rounds; round++) {
    const order = live.map((_, i) => live[(i + round) % live.length] as TargetRun);
    for (const run of order) {
      log(`round ${round + 1}/${options.rounds}: ${run.target.label} (${options.durationSec}s)`);
      const before = await run.target.counters?.();
      const result = await generator.run(spec(run.target, options.durationSec));
      const after = await run.target.counters?.();
      run.results.push(result);
      if (before && after) run.perRequest.push(perRequest(before, after, result.requests));
    }
  }
  return runs;
}

/** One request before any load: right status and headers, or a problem to report. */
export async function smokeCheck(target: Target): Promise<string | undefined> {
  const expectStatus = target.expectStatus ?? 200;
  try {
    const answer = await httpCall(target.url, { headers: { ...target.headers } });
    if (answer.status !== expectStatus) {
      return `smoke check: status ${answer.status}, expected ${expectStatus}: ${answer.text.slice(0, 200)}`;
    }
    const missing = target.expectHeaders.filter((name) => answer.headers[name] === undefined);
    if (missing.length) return `smoke check: response lacks ${missing.join(', ')}`;
    return undefined;
  } catch (err) {
    return `smoke check: ${(err as Error).message}`;
  }
}

export function perRequest(before: Record<string, number>, after: Record<string, number>, requests: number) {
  const rates: Record<string, number> = {};
  for (const [name, count] of Object.entries(after)) rates[name] = (count - (before[name] ?? 0)) / Math.max(requests, 1);
  return rates;
}
