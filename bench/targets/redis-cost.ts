// What a gateway request costs Redis. A sample of sequential requests under
// MONITOR tells which commands the gateway sends (vs. those its Lua script
// runs inside Redis); every round then reports, per request, the commands
// sent, the script calls among them (EVALSHA and EVAL, counted by name: a
// script or command the sample missed cannot blur them), the script-internal
// commands, the rate-limit takes (the script reads each bucket once, with
// HMGET; concurrent takes share one script call), and the server's socket reads.
import { httpCall } from '../http.js';
import type { BenchRedis } from './redis.js';
import type { Target } from './types.js';

export interface RedisCostSample {
  requests: number;
  /** Client-sent commands per request, by name. */
  sent: Record<string, number>;
  /** Script-internal commands per request, by name. */
  scripted: Record<string, number>;
}

export async function sampleRedisCost(redis: BenchRedis, target: Target, requests = 100): Promise<RedisCostSample> {
  const { sent, scripted } = await redis.monitor(async () => {
    for (let i = 0; i < requests; i++) await httpCall(target.url, { headers: { ...target.headers } });
  });
  const per = (counts: Record<string, number>) => Object.fromEntries(Object.entries(counts).map(([name, n]) => [name, n / requests]));
  return { requests, sent: per(sent), scripted: per(scripted) };
}

/** Counter names the throughput checks read. */
export const SCRIPT_CALLS = 'script calls';
export const TAKES = 'takes';
export const SCRIPT_MICROS = 'script µs';

/** Cumulative counters for rounds.ts: commands sent, script calls and the time Redis spent in them, script-internal commands, takes, socket reads. */
export function redisCounters(redis: BenchRedis, sample: RedisCostSample): () => Promise<Record<string, number>> {
  const scriptedNames = new Set(Object.keys(sample.scripted).filter((name) => !(name in sample.sent)));
  return async () => {
    const calls = await redis.commandCalls();
    let sent = 0;
    let scripted = 0;
    for (const [name, n] of Object.entries(calls)) {
      if (scriptedNames.has(name)) scripted += n;
      else sent += n;
    }
    return {
      commands: sent,
      [SCRIPT_CALLS]: (calls.evalsha ?? 0) + (calls.eval ?? 0),
      [SCRIPT_MICROS]: await redis.scriptMicros(),
      'script-internal': scripted,
      [TAKES]: calls.hmget ?? 0,
      reads: await redis.readsProcessed(),
    };
  };
}

export const describeSample = (sample: RedisCostSample): string => {
  const list = (counts: Record<string, number>) =>
    Object.entries(counts)
      .map(([name, n]) => `${name} ${n.toFixed(2)}`)
      .join(', ') || 'none';
  return `MONITOR over ${sample.requests} sequential requests, per request: sent ${list(sample.sent)}; inside the script ${list(sample.scripted)}`;
};
