// CPU time a process has used, user + system, from /proc/<pid>/stat (Linux).
// Per request, it is what a request costs the proxy itself, beside what the
// load generator saw: when the proxy's core is the limit, its throughput is
// the inverse of this, and a gap between the two views says something else
// (the load generator, the upstream, waiting on Redis) held the round back.
// Elsewhere there is no /proc, and the counter is simply absent.
import { readFileSync } from 'node:fs';

/** /proc reports in USER_HZ ticks, 100 per second on every architecture Linux runs Node on. */
const TICKS_PER_SECOND = 100;

/** Microseconds of CPU `pid` has used so far, or undefined when it cannot be read. */
function cpuMicros(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // After "pid (comm) " come the fields from the 3rd on; the name may hold spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[14 - 3]) + Number(fields[15 - 3]); // utime, stime
    return Number.isFinite(ticks) ? (ticks * 1_000_000) / TICKS_PER_SECOND : undefined;
  } catch {
    return undefined;
  }
}

/** Counter names: the proxy's own CPU µs, and redis-server's. */
export const PROXY_CPU = 'cpu µs';
export const REDIS_CPU = 'redis cpu µs';

type Counters = () => Promise<Record<string, number>>;

/** Counters of the CPU microseconds of each named process, for a target's `counters`. */
export function cpuCounters(processes: Readonly<Record<string, number>>): Counters {
  return async () => {
    const counters: Record<string, number> = {};
    for (const [name, pid] of Object.entries(processes)) {
      const micros = cpuMicros(pid);
      if (micros !== undefined) counters[name] = micros;
    }
    return counters;
  };
}

/** Several counter sources read as one. */
export function combineCounters(...sources: Array<Counters | undefined>): Counters {
  return async () =>
    Object.assign({}, ...(await Promise.all(sources.map((read) => read?.() ?? Promise.resolve({}))))) as Record<string, number>;
}
