// `bullseye-gateway start` as a real process for shutdown tests: a temp
// SQLite file, a gateway config with a short `server.shutdownGrace`, and a
// policy of public routes to a real upstream whose handlers the test sets
// (fast echo by default). stop() sends the signal and measures the time to exit.
// `bullseye-gateway admin` likewise: a seeded database, the same short grace,
// the admin API and the change feed.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { runCli, type CliProcess } from './cli-process.js';
import { seedDatabase } from './store-faults.js';
import { tempDir } from './temp.js';
import { startUpstream, type TestUpstream } from './upstream.js';

interface TestLike {
  teardown(fn: () => void | Promise<void>): void;
}

export interface ShutdownStack {
  cli: CliProcess;
  gateway: string;
  upstream: TestUpstream;
  /** Send `signal`; resolves with the exit code and the milliseconds from the signal to the exit. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; exitMs: number }>;
}

export const SHUTDOWN_POLICY = `
upstreams:
  app: \${UPSTREAM}
defaults: { upstream: app, key: org, rateLimit: { requests: 1000000, per: 1m } }
routes:
  GET /fast: public
  GET /slow: public
  GET /slower: public
`;

/** Send `signal` to `cli`; resolves with the exit code and the milliseconds from the signal to the exit. */
async function stopMeasured(cli: CliProcess, signal: NodeJS.Signals): Promise<{ code: number | null; exitMs: number }> {
  const sentAt = performance.now();
  cli.child.kill(signal);
  const code = await cli.exited;
  return { code, exitMs: Math.round(performance.now() - sentAt) };
}

/** The settings file setting the grace. */
function writeGraceConfig(dir: string, graceMs: number): string {
  const path = join(dir, 'gateway.yaml');
  writeFileSync(path, `server:\n  shutdownGrace: ${graceMs}ms\n`);
  return path;
}

export async function startShutdownStack(t: TestLike, graceMs: number): Promise<ShutdownStack> {
  const dir = tempDir(t, 'bullseye-shutdown');
  const upstream = await startUpstream(t);
  writeFileSync(join(dir, 'policy.yaml'), SHUTDOWN_POLICY.replace('${UPSTREAM}', upstream.origin));
  writeGraceConfig(dir, graceMs);
  const cli = runCli(t, ['start'], {
    HOST: '127.0.0.1',
    GATEWAY_PORT: '0',
    ADMIN_PORT: '0',
    OPS_PORT: '0',
    POLICY_PATH: join(dir, 'policy.yaml'),
    CONFIG_PATH: join(dir, 'gateway.yaml'),
    DATABASE_PATH: join(dir, 'data', 'bullseye.db'),
    LOG_LEVEL: 'info',
  });
  const { gatewayPort } = JSON.parse(await cli.waitForLine(/"msg":"gateway listening"/)) as { gatewayPort: number };
  return {
    cli,
    gateway: `http://127.0.0.1:${gatewayPort}`,
    upstream,
    stop: (signal = 'SIGTERM') => stopMeasured(cli, signal),
  };
}

export const SHUTDOWN_SYNC_TOKEN = 'shutdown-sync-token-0123456789abcdef';

export interface AdminShutdownStack {
  cli: CliProcess;
  admin: string;
  sync: string;
  /** An admin key of organization acme, ready to send. */
  headers: Record<string, string>;
  /** The change feed's bearer token header. */
  syncAuth: Record<string, string>;
  /** As ShutdownStack.stop. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; exitMs: number }>;
}

/** `bullseye-gateway admin` with SYNC_TOKEN set, a seeded database and `server.shutdownGrace: graceMs`. */
export async function startAdminShutdownStack(t: TestLike, graceMs: number, logLevel = 'info'): Promise<AdminShutdownStack> {
  const dir = tempDir(t, 'bullseye-admin-shutdown');
  const dbPath = join(dir, 'data', 'bullseye.db');
  const plainKey = seedDatabase(dbPath);
  const cli = runCli(t, ['admin'], {
    HOST: '127.0.0.1',
    ADMIN_PORT: '0',
    SYNC_PORT: '0',
    OPS_PORT: '0',
    SYNC_TOKEN: SHUTDOWN_SYNC_TOKEN,
    CONFIG_PATH: writeGraceConfig(dir, graceMs),
    DATABASE_PATH: dbPath,
    LOG_LEVEL: logLevel,
  });
  const { adminPort, syncPort } = JSON.parse(await cli.waitForLine(/"msg":"admin service listening"/)) as {
    adminPort: number;
    syncPort: number;
  };
  // The ops listener is the last to bind: once it is up, the command waits for the signal.
  await cli.waitForLine(/"msg":"ops listener/);
  return {
    cli,
    admin: `http://127.0.0.1:${adminPort}`,
    sync: `http://127.0.0.1:${syncPort}`,
    headers: { 'x-api-key': plainKey },
    syncAuth: { authorization: `Bearer ${SHUTDOWN_SYNC_TOKEN}` },
    stop: (signal = 'SIGTERM') => stopMeasured(cli, signal),
  };
}
