// The split deployment: one admin process owning SQLite and serving the change
// feed, and gateway processes that bootstrap their key replica from it.
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { BENCH_PATH, type BenchContext } from '../context.js';
import { cpuCounters, PROXY_CPU } from '../cpu-time.js';
import { answers } from '../http.js';
import { freePort } from '../ports.js';
import type { Child } from '../processes.js';
import { RATE_LIMIT_HEADERS } from './gateway.js';
import { gatewayEnv, gatewayMissing, writePolicy } from './gateway-setup.js';
import type { Upstream } from './upstream.js';
import type { Target } from './types.js';

export interface RunningAdmin {
  readonly child: Child;
  /** The public admin API. */
  readonly origin: string;
  /** The change feed, for gateways' SYNC_URL. */
  readonly syncOrigin: string;
  readonly syncToken: string;
}

/** An admin process on `databasePath`, run from this checkout's build or from `cliPath`. */
export async function startAdmin(ctx: BenchContext, name: string, databasePath: string, cliPath = ctx.cliPath): Promise<RunningAdmin> {
  const missing = gatewayMissing(ctx);
  if (missing) throw new Error(missing);
  const [adminPort, syncPort, opsPort] = [await freePort(), await freePort(), await freePort()];
  const origin = `http://127.0.0.1:${adminPort}`;
  const syncOrigin = `http://127.0.0.1:${syncPort}`;
  const syncToken = randomBytes(24).toString('hex');
  const child = await ctx.group.start({
    name,
    command: process.execPath,
    args: [cliPath, 'admin'],
    env: gatewayEnv({
      HOST: '127.0.0.1',
      ADMIN_PORT: String(adminPort),
      SYNC_PORT: String(syncPort),
      OPS_PORT: String(opsPort),
      DATABASE_PATH: databasePath,
      SYNC_TOKEN: syncToken,
      LOG_LEVEL: 'warn',
    }),
    // Listening is all we can see from outside: any HTTP answer on both ports.
    ready: async () => (await answers(`${origin}/`)) && answers(`${syncOrigin}/`),
  });
  return { child, origin, syncOrigin, syncToken };
}

export interface SplitGatewayOptions {
  name: string;
  admin: RunningAdmin;
  upstream: Upstream;
  plainKey: string;
  /** Another build's dist/cli.js (compare scenario); default this checkout's. */
  cliPath?: string;
  /** Preload bench/probes/memory-probe.js (with --expose-gc) for heap samples. */
  memoryProbe?: boolean;
  readyTimeoutMs?: number;
  /** The policy's defaults.rateLimit (YAML, see writePolicy); default limits never reached. */
  limits?: string;
  /** Shared buckets in this Redis (REDIS_URL); default the memory limiter. */
  redisUrl?: string;
  /** Poll /readyz this often; bootstrap time is measured with it (default 10 ms). */
  pollMs?: number;
}

export interface RunningSplitGateway {
  readonly target: Target;
  readonly child: Child;
  readonly opsOrigin: string;
  /** From spawn to the first /readyz 200, in ms. */
  readonly bootstrapMs: number;
}

export async function startSplitGateway(ctx: BenchContext, options: SplitGatewayOptions): Promise<RunningSplitGateway> {
  const dir = join(ctx.workDir, options.name);
  mkdirSync(dir, { recursive: true });
  const [gatewayPort, opsPort] = [await freePort(), await freePort()];
  const opsOrigin = `http://127.0.0.1:${opsPort}`;
  const nodeArgs = [...ctx.gatewayNodeArgs];
  if (options.memoryProbe) nodeArgs.push('--expose-gc', '--import', join(ctx.benchDist, 'probes', 'memory-probe.js'));
  const child = await ctx.group.start({
    name: options.name,
    command: process.execPath,
    args: [...nodeArgs, options.cliPath ?? ctx.cliPath, 'gateway'],
    env: gatewayEnv({
      HOST: '127.0.0.1',
      GATEWAY_PORT: String(gatewayPort),
      OPS_PORT: String(opsPort),
      POLICY_PATH: writePolicy(dir, options.upstream.port, undefined, options.limits),
      REDIS_URL: options.redisUrl,
      SYNC_URL: options.admin.syncOrigin,
      SYNC_TOKEN: options.admin.syncToken,
      LOG_LEVEL: 'warn',
    }),
    ipc: options.memoryProbe,
    underTest: true,
    ready: () => answers(`${opsOrigin}/readyz`, 200),
    pollMs: options.pollMs ?? 10,
    readyTimeoutMs: options.readyTimeoutMs ?? 30_000,
  });
  const target: Target = {
    id: options.name,
    label: options.name,
    url: `http://127.0.0.1:${gatewayPort}${BENCH_PATH}`,
    headers: { 'X-API-Key': options.plainKey },
    expectHeaders: RATE_LIMIT_HEADERS,
    logPath: child.logPath,
    counters: cpuCounters({ [PROXY_CPU]: child.pid }),
  };
  return { target, child, opsOrigin, bootstrapMs: child.readyAt - child.spawnedAt };
}
