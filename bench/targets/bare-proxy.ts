// The floor for a Node proxy: bench/servers/bare-proxy.ts in its own process,
// plain or with the work the gateway's contract makes unavoidable (CONTRACT).
import { join } from 'node:path';
import { BENCH_PATH, type BenchContext } from '../context.js';
import { cpuCounters, PROXY_CPU, REDIS_CPU } from '../cpu-time.js';
import { answers } from '../http.js';
import { freePort } from '../ports.js';
import { RATE_LIMIT_HEADERS } from './gateway.js';
import type { BenchRedis } from './redis.js';
import type { Upstream } from './upstream.js';
import type { Target } from './types.js';

export type ContractWork = 'headers' | 'redis';

const VARIANTS = {
  bare: { id: 'bare', label: 'bare undici proxy' },
  headers: { id: 'bare-headers', label: 'bare proxy + contract headers' },
  redis: { id: 'bare-redis', label: 'bare proxy + contract headers + Redis take' },
} as const;

/** `contract` redis needs `redis`: the take goes to that server through the gateway's Redis limiter. */
export async function startBareProxy(ctx: BenchContext, upstream: Upstream, contract?: ContractWork, redis?: BenchRedis): Promise<Target> {
  if (contract === 'redis' && !redis) throw new Error('the Redis contract floor needs a redis-server');
  const variant = VARIANTS[contract ?? 'bare'];
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), HOST: '127.0.0.1', UPSTREAM: upstream.origin };
  if (contract) env.CONTRACT = contract;
  if (redis) env.REDIS_URL = redis.url;
  const child = await ctx.group.start({
    name: variant.id,
    command: process.execPath,
    args: [join(ctx.benchDist, 'servers', 'bare-proxy.js')],
    env,
    underTest: true,
    ready: () => answers(origin + BENCH_PATH, 200),
  });
  const processes: Record<string, number> = { [PROXY_CPU]: child.pid };
  if (redis) processes[REDIS_CPU] = redis.pid;
  return {
    id: variant.id,
    label: variant.label,
    url: origin + BENCH_PATH,
    headers: {},
    expectHeaders: contract ? RATE_LIMIT_HEADERS : [],
    counters: cpuCounters(processes),
  };
}
