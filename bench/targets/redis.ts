// The bench's own redis-server (never the machine's on 6379): a free port, no
// persistence, loopback only, ready on its "Ready to accept connections" line.
// Counting what a gateway costs Redis: INFO commandstats counts the commands a
// Lua script runs inside Redis as well as the EVALSHA that ran it, so the
// commands clients send are told apart with MONITOR (script-internal ones
// are tagged "lua") on a short sample; the per-round counters then split
// commandstats into those two kinds, plus socket reads (INFO stats
// total_reads_processed: with auto-pipelining, one read carries many commands).
import { Redis } from 'ioredis';
import { findExecutable, type BenchContext } from '../context.js';
import { freePort } from '../ports.js';

export interface BenchRedis {
  readonly url: string;
  readonly pid: number;
  /** Calls per command since the server started, our own INFO calls excluded. */
  commandCalls(): Promise<Record<string, number>>;
  /** Microseconds Redis spent running script calls (EVALSHA, EVAL: INFO commandstats usec). */
  scriptMicros(): Promise<number>;
  /** Socket reads the server has processed (INFO stats total_reads_processed). */
  readsProcessed(): Promise<number>;
  /** Run `traffic` under MONITOR; resolves with client-sent commands and script-internal ones, by name. */
  monitor(traffic: () => Promise<void>): Promise<{ sent: Record<string, number>; scripted: Record<string, number> }>;
  close(): Promise<void>;
}

export async function startRedisServer(ctx: BenchContext, name = 'redis'): Promise<BenchRedis> {
  const binary = findExecutable('redis-server');
  if (!binary) throw new Error('redis-server is not installed');
  const port = await freePort();
  const child = await ctx.group.start({
    name,
    command: binary,
    args: ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'],
    readyLine: 'Ready to accept connections',
    readyTimeoutMs: 10_000,
  });
  const client = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 1 });
  await client.connect();
  // However the server ends (stopped by the group at exit too), stop reconnecting to it.
  child.process.once('exit', () => client.disconnect());
  return {
    url: `redis://127.0.0.1:${port}`,
    pid: child.pid,
    async commandCalls() {
      return parseCommandStats(await client.info('commandstats'));
    },
    async scriptMicros() {
      const info = await client.info('commandstats');
      let usec = 0;
      for (const match of info.matchAll(/^cmdstat_(?:eval|evalsha):calls=\d+,usec=(\d+)/gm)) usec += Number(match[1]);
      return usec;
    },
    async readsProcessed() {
      return Number(/^total_reads_processed:(\d+)/m.exec(await client.info('stats'))?.[1] ?? NaN);
    },
    async monitor(traffic) {
      const sent: Record<string, number> = {};
      const scripted: Record<string, number> = {};
      const monitor = await client.monitor();
      monitor.on('monitor', (_time: string, args: string[], source: string) => {
        const command = String(args[0] ?? '').toLowerCase();
        const tally = source === 'lua' ? scripted : sent;
        tally[command] = (tally[command] ?? 0) + 1;
      });
      try {
        await traffic();
        // MONITOR lines may trail the replies the traffic got by a moment.
        await new Promise((resolve) => setTimeout(resolve, 200));
      } finally {
        monitor.disconnect();
      }
      return { sent, scripted };
    },
    async close() {
      client.disconnect();
      await child.stop();
    },
  };
}

/** `cmdstat_evalsha:calls=12,usec=...` lines → { evalsha: 12 }, without `info` (the harness' own). */
export function parseCommandStats(info: string): Record<string, number> {
  const calls: Record<string, number> = {};
  for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
    const [, command, count] = match;
    if (command && command !== 'info') calls[command] = Number(count);
  }
  return calls;
}
