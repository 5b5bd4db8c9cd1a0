// The floor for a Node proxy: bench/servers/bare-proxy.ts in its own process.
import { join } from 'node:path';
import { BENCH_PATH, type BenchContext } from '../context.js';
import { cpuCounters, PROXY_CPU } from '../cpu-time.js';
import { answers } from '../http.js';
import { freePort } from '../ports.js';
import type { Upstream } from './upstream.js';
import type { Target } from './types.js';

export async function startBareProxy(ctx: BenchContext, upstream: Upstream): Promise<Target> {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const child = await ctx.group.start({
    name: 'bare-proxy',
    command: process.execPath,
    args: [join(ctx.benchDist, 'servers', 'bare-proxy.js')],
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', UPSTREAM: upstream.origin },
    ready: () => answers(origin + BENCH_PATH, 200),
  });
  return {
    id: 'bare',
    label: 'bare undici proxy',
    url: origin + BENCH_PATH,
    headers: {},
    expectHeaders: [],
    counters: cpuCounters({ [PROXY_CPU]: child.pid }),
  };
}
