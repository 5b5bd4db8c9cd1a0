// The upstream server every target ends at, and "direct": the load generator
// talking to it with no proxy in between (the ceiling).
import { join } from 'node:path';
import { BENCH_PATH, type BenchContext } from '../context.js';
import { answers } from '../http.js';
import { freePort } from '../ports.js';
import type { Target } from './types.js';

export interface Upstream {
  readonly origin: string;
  readonly port: number;
}

export async function startUpstream(ctx: BenchContext, name = 'upstream'): Promise<Upstream> {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  await ctx.group.start({
    name,
    command: process.execPath,
    args: [join(ctx.benchDist, 'servers', 'upstream.js')],
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1' },
    ready: () => answers(origin + BENCH_PATH, 200),
  });
  return { origin, port };
}

export const directTarget = (upstream: Upstream): Target => ({
  id: 'direct',
  label: 'direct (no proxy)',
  url: upstream.origin + BENCH_PATH,
  headers: {},
  expectHeaders: [],
});
