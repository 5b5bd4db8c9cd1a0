// Preparing a gateway process the way an operator would: a key bootstrapped
// with the CLI into a fresh SQLite file, the bench policy and settings files
// written to the scratch folder, and an environment holding only what the
// bench sets (a REDIS_URL or LOG_LEVEL in the harness' own environment must
// not leak into a target).
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BENCH_ORG, type BenchContext } from '../context.js';
import { SETTINGS_ENV_VARS } from '../../config/gateway-settings.js';

export interface BootstrappedKey {
  readonly id: string;
  readonly plainKey: string;
}

/** Variables the gateway reads; cleared from the inherited environment. */
const GATEWAY_VARS = SETTINGS_ENV_VARS;

export function gatewayEnv(settings: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of GATEWAY_VARS) delete env[name];
  for (const [name, value] of Object.entries(settings)) if (value !== undefined) env[name] = value;
  return env;
}

/** Why the gateway cannot be run at all, or undefined when dist/cli.js exists. */
export function gatewayMissing(ctx: BenchContext): string | undefined {
  return existsSync(ctx.cliPath) ? undefined : `${ctx.cliPath} not found (run npm run build)`;
}

/** `bullseye-gateway keys create` into `databasePath`; throws with the CLI's stderr on failure. */
export async function bootstrapKey(
  ctx: BenchContext,
  databasePath: string,
  options: { name?: string; scopes?: string; org?: string; cliPath?: string } = {},
): Promise<BootstrappedKey> {
  const args = [options.cliPath ?? ctx.cliPath, 'keys', 'create', '--org', options.org ?? BENCH_ORG, '--name', options.name ?? 'bench'];
  args.push('--scopes', options.scopes ?? 'read');
  const result = await ctx.group.run(process.execPath, args, gatewayEnv({ DATABASE_PATH: databasePath }));
  if (result.code !== 0) {
    throw new Error(`keys create exited ${result.code}: ${(result.stderr || result.stdout).trim().split('\n')[0]}`);
  }
  const created = JSON.parse(result.stdout) as { apiKey?: { id?: string }; plainKey?: string };
  if (!created.apiKey?.id || !created.plainKey) throw new Error(`keys create printed no key: ${result.stdout.slice(0, 200)}`);
  return { id: created.apiKey.id, plainKey: created.plainKey };
}

/** The bench's one window, never reached. */
export const BENCH_LIMITS = 'rateLimit: { requests: 100000000, per: 1m }';

/**
 * Three windows and a monthly quota, none ever reached: what a key with several limits costs
 * (every window and the quota are decided on each request).
 */
export const BENCH_WINDOWS_AND_QUOTA =
  'rateLimit: [{ requests: 100000000, per: 1s }, { requests: 1000000000, per: 1h }, { requests: 10000000000, per: 1d }], ' +
  'quota: { limit: 100000000000, period: month }';

/** The bench policy: one read route to the bench upstream, limits (`limits`: defaults' YAML) never reached. */
export function writePolicy(dir: string, upstreamPort: number, name = 'policy.yaml', limits = BENCH_LIMITS): string {
  const path = join(dir, name);
  writeFileSync(
    path,
    `upstreams:
  app: http://127.0.0.1:${upstreamPort}
defaults: { upstream: app, key: org, ${limits} }
routes:
  GET /api/v1/organization/{organization_id}/visitors: read
`,
  );
  return path;
}

/** A gateway settings file (CONFIG_PATH) with `yaml` as its content. */
export function writeSettings(dir: string, yaml: string, name = 'gateway.yaml'): string {
  const path = join(dir, name);
  writeFileSync(path, yaml);
  return path;
}
