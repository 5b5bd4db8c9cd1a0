// CPU pinning (--pin): the proxy under test gets the first CPU to itself; the
// harness and everything else it starts (load generator, upstream,
// redis-server, admin) share the others, so each target's rounds agree within
// a few points, where unpinned they move by ±10 on a two-core machine.
// Pinned, a throughput ratio between targets is the ratio of the proxies' own
// costs; unpinned (the default, and how the targets were set), the
// load generator's and the upstream's CPU shares the same cores and dilutes
// it. Needs Linux, `taskset` (util-linux) and at least two CPUs; elsewhere
// the run is unpinned, and the report says so.
import { spawnSync } from 'node:child_process';
import { findExecutable } from './context.js';

export interface CpuPlan {
  readonly taskset: string;
  /** CPU list (taskset -c) of the proxy under test. */
  readonly underTest: string;
  /** CPU list of the harness and every other process. */
  readonly rest: string;
}

/** The plan for this machine (the CPUs this process may use, as taskset lists them), or why there is none. */
export function planCpus(): CpuPlan | string {
  if (process.platform !== 'linux') return 'not pinned: CPU pinning needs Linux';
  const taskset = findExecutable('taskset');
  if (!taskset) return 'not pinned: taskset (util-linux) is not installed';
  const shown = spawnSync(taskset, ['-c', '-p', String(process.pid)], { encoding: 'utf8' });
  const allowed = expandCpuList(/list:\s*(\S+)/.exec(shown.stdout ?? '')?.[1] ?? '');
  if (allowed.length < 2) return `not pinned: ${allowed.length === 0 ? 'taskset could not list the CPUs' : 'one CPU'}`;
  const [underTest, ...rest] = allowed;
  return { taskset, underTest: String(underTest), rest: rest.join(',') };
}

/** `0-2,5` → [0, 1, 2, 5]. */
function expandCpuList(list: string): number[] {
  const cpus: number[] = [];
  for (const part of list.split(',')) {
    const [from, to = from] = part.split('-').map(Number);
    if (!Number.isInteger(from) || !Number.isInteger(to)) return [];
    for (let cpu = from as number; cpu <= (to as number); cpu++) cpus.push(cpu);
  }
  return cpus;
}

/** Pin this process and its threads to `plan.rest`, so every child spawned later inherits it; or say why not. */
export function pinHarness(plan: CpuPlan): string | undefined {
  const result = spawnSync(plan.taskset, ['-a', '-c', '-p', plan.rest, String(process.pid)], { encoding: 'utf8' });
  return result.status === 0 ? undefined : `not pinned: taskset failed: ${(result.stderr || result.error?.message || '').trim()}`;
}

/** `command args` run on `plan.underTest` (taskset execs the command: the pid stays the proxy's). */
export function underTestCommand(plan: CpuPlan, command: string, args: readonly string[]): [string, string[]] {
  return [plan.taskset, ['-c', plan.underTest, command, ...args]];
}

export const describePlan = (plan: CpuPlan | string): string =>
  typeof plan === 'string'
    ? plan
    : `proxy under test pinned to CPU ${plan.underTest}; load generator, upstream, redis-server and the harness on CPU ${plan.rest}`;
