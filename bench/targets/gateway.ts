// The gateway in combined mode (`bullseye-gateway start`: admin + gateway in
// one process), each variant with its own database, key, policy and ports.
// Ready when the ops listener's /readyz answers 200.
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { BENCH_PATH, type BenchContext } from '../context.js';
import { combineCounters, cpuCounters, PROXY_CPU, REDIS_CPU } from '../cpu-time.js';
import { answers } from '../http.js';
import { freePort } from '../ports.js';
import type { Child } from '../processes.js';
import { bootstrapKey, gatewayEnv, gatewayMissing, writePolicy, writeSettings, type BootstrappedKey } from './gateway-setup.js';
import type { BenchRedis } from './redis.js';
import { describeSample, redisCounters, sampleRedisCost } from './redis-cost.js';
import type { Upstream } from './upstream.js';
import { unavailable, type Prepared, type Target } from './types.js';

export const RATE_LIMIT_HEADERS = ['x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset'];

export interface GatewayOptions {
  id: string;
  label: string;
  upstream: Upstream;
  /** Default warn; `info` adds one access-log line per request. */
  logLevel?: string;
  /** Unset: the in-memory limiter. */
  redis?: BenchRedis;
  /** Content of a settings file (CONFIG_PATH), if any. */
  settingsYaml?: string;
  extraEnv?: Record<string, string>;
  readyTimeoutMs?: number;
  /** The build to run (default this checkout's dist/cli.js). */
  cliPath?: string;
  /** The policy's rate-limit defaults as YAML (default: one window, gateway-setup.ts BENCH_LIMITS). */
  limits?: string;
}

export interface RunningGateway {
  readonly target: Target;
  readonly child: Child;
  readonly key: BootstrappedKey;
  readonly opsOrigin: string;
  readonly adminOrigin: string;
  readonly databasePath: string;
}

export async function startCombinedGateway(ctx: BenchContext, options: GatewayOptions): Promise<RunningGateway> {
  const cliPath = options.cliPath ?? ctx.cliPath;
  const missing = gatewayMissing(ctx);
  if (missing) throw new Error(missing);
  const dir = join(ctx.workDir, options.id);
  mkdirSync(dir, { recursive: true });
  const databasePath = join(dir, 'bench.db');
  const key = await bootstrapKey(ctx, databasePath, { cliPath });
  const [gatewayPort, adminPort, syncPort, opsPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const opsOrigin = `http://127.0.0.1:${opsPort}`;
  const env = gatewayEnv({
    HOST: '127.0.0.1',
    GATEWAY_PORT: String(gatewayPort),
    ADMIN_PORT: String(adminPort),
    SYNC_PORT: String(syncPort),
    OPS_PORT: String(opsPort),
    DATABASE_PATH: databasePath,
    POLICY_PATH: writePolicy(dir, options.upstream.port, undefined, options.limits),
    // With a token the idle change-feed listener starts too, instead of a start-up warning in every log.
    SYNC_TOKEN: randomBytes(24).toString('hex'),
    LOG_LEVEL: options.logLevel ?? 'warn',
    REDIS_URL: options.redis?.url,
    CONFIG_PATH: options.settingsYaml === undefined ? undefined : writeSettings(dir, options.settingsYaml),
    ...options.extraEnv,
  });
  const child = await ctx.group.start({
    name: options.id,
    command: process.execPath,
    args: [...ctx.gatewayNodeArgs, cliPath, 'start'],
    env,
    underTest: true,
    ready: () => answers(`${opsOrigin}/readyz`, 200),
    readyTimeoutMs: options.readyTimeoutMs ?? 30_000,
  });
  let target: Target = {
    id: options.id,
    label: options.label,
    url: `http://127.0.0.1:${gatewayPort}${BENCH_PATH}`,
    headers: { 'X-API-Key': key.plainKey },
    expectHeaders: RATE_LIMIT_HEADERS,
    logPath: child.logPath,
    counters: cpuCounters({ [PROXY_CPU]: child.pid }),
  };
  if (options.redis) {
    const sample = await sampleRedisCost(options.redis, target);
    const counters = combineCounters(
      cpuCounters({ [PROXY_CPU]: child.pid, [REDIS_CPU]: options.redis.pid }),
      redisCounters(options.redis, sample),
    );
    target = { ...target, counters, detail: describeSample(sample) };
  }
  return { target, child, key, opsOrigin, adminOrigin: `http://127.0.0.1:${adminPort}`, databasePath };
}

/** startCombinedGateway, with any failure turned into a "not available" row. */
export async function prepareGateway(ctx: BenchContext, options: GatewayOptions): Promise<Prepared> {
  try {
    return { ok: true, target: (await startCombinedGateway(ctx, options)).target };
  } catch (err) {
    return unavailable(options.id, options.label, `not available: ${oneLine(err)}`);
  }
}

export const oneLine = (err: unknown): string =>
  String((err as Error)?.message ?? err)
    .split('\n')
    .filter((line) => line.trim() !== '')
    .slice(0, 3)
    .join(' | ');
