// `bullseye-gateway start` as a real process for shutdown tests: a temp
// SQLite file, a gateway config with a short `server.shutdownGrace`, and a
// policy of public routes to a real upstream whose handlers the test sets
// (fast echo by default). stop() sends the signal and measures the time to exit.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { runCli, type CliProcess } from './cli-process.js';
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

export async function startShutdownStack(t: TestLike, graceMs: number): Promise<ShutdownStack> {
  const dir = tempDir(t, 'bullseye-shutdown');
  const upstream = await startUpstream(t);
  writeFileSync(join(dir, 'policy.yaml'), SHUTDOWN_POLICY.replace('${UPSTREAM}', upstream.origin));
  writeFileSync(join(dir, 'gateway.yaml'), `server:\n  shutdownGrace: ${graceMs}ms\n`);
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
    async stop(signal = 'SIGTERM') {
      const sentAt = performance.now();
      cli.child.kill(signal);
      const code = await cli.exited;
      return { code, exitMs: Math.round(performance.now() - sentAt) };
    },
  };
}
