// Split deployment in-process: the admin plane (public API + change feed
// listener on port 0, real SQLite file) and gateways whose replicas follow
// the feed over real HTTP. Each gateway's feed follower gets its own manual
// clock, so staleness is decided by the test, not by waiting.
import { join } from 'node:path';
import { startAdminPlane, type AdminPlane } from '../../admin/plane.js';
import { systemClock, createManualClock, type Clock, type ManualClock } from '../../core/clock.js';
import { loadSettings } from '../../config/gateway-settings.js';
import { SETTINGS_DEFAULTS } from '../../config/settings-sections.js';
import { startDataPlane, type DataPlane } from '../../gateway/data-plane.js';
import { createAuthFailureGuard } from '../../gateway/limiter/auth-failure-guard.js';
import type { KeyReplica } from '../../gateway/replica/key-replica.js';
import { feedKeySource, type KeySource } from '../../gateway/replica/key-source.js';
import { runCli, type CliProcess } from './cli-process.js';
import { writeTestPolicy } from './gateway.js';
import { captureLogs, type CapturedLog } from './log-capture.js';
import { tempDir } from './temp.js';
import { startUpstream, type TestUpstream } from './upstream.js';

interface TestLike {
  teardown(fn: () => void | Promise<void>): void;
}

export const SYNC_TOKEN = 'test-sync-token-0123456789abcdef';

export interface SplitAdmin {
  plane: AdminPlane;
  adminUrl: string;
  syncUrl: string;
  dbPath: string;
  logs: CapturedLog;
}

/** `clock`: the admin's (key expiry, rotation grace); the system clock unless a test steps time itself. */
export async function startSplitAdmin(t: TestLike, dbPath: string, syncPort = 0, clock: Clock = systemClock): Promise<SplitAdmin> {
  const logs = captureLogs();
  const plane = await startAdminPlane({
    config: { host: '127.0.0.1', adminPort: 0, syncPort, databasePath: dbPath, syncToken: SYNC_TOKEN, shutdownGraceMs: 1_000 },
    clock,
    logger: logs.logger,
    authFailures: createAuthFailureGuard({ clock, spec: SETTINGS_DEFAULTS.rateLimit.authFailures }),
  });
  t.teardown(() => plane.close());
  return {
    plane,
    adminUrl: `http://127.0.0.1:${plane.adminPort}`,
    syncUrl: `http://127.0.0.1:${plane.syncPort}`,
    dbPath,
    logs,
  };
}

export interface SplitGateway {
  url: string;
  opsUrl: string;
  replica: KeyReplica;
  /** The gateway's feed-backed key source. */
  feed: KeySource;
  feedClock: ManualClock;
  logs: CapturedLog;
  close(): Promise<void>;
}

export const STALE_AFTER_MS = 60_000;

/** `clock`: the data plane's (key expiry on every request); the feed follower keeps its own manual `feedClock`. */
export async function startSplitGateway(
  t: TestLike,
  syncUrl: string,
  upstream: TestUpstream,
  clock: Clock = systemClock,
): Promise<SplitGateway> {
  const dir = tempDir(t, 'bullseye-split');
  const policyPath = join(dir, 'policy.yaml');
  writeTestPolicy(policyPath, { upstream: upstream.origin, admin: upstream.origin });
  const settings = loadSettings({ HOST: '127.0.0.1', GATEWAY_PORT: '0', OPS_PORT: '0', POLICY_PATH: policyPath });
  const logs = captureLogs();
  const feedClock = createManualClock(Date.now());
  const feed = feedKeySource({
    syncUrl,
    token: SYNC_TOKEN,
    clock: feedClock,
    logger: logs.logger,
    pollWaitMs: 10_000,
    staleAfterMs: STALE_AFTER_MS,
    maxBackoffMs: 50,
    activityFlushMs: 3_600_000,
  });
  const plane: DataPlane = await startDataPlane({
    settings,
    keySource: feed,
    internalAdmin: 'none',
    clock,
    logger: logs.logger,
  });
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await plane.close();
    await feed.close();
  };
  t.teardown(close);
  return {
    url: `http://127.0.0.1:${plane.gatewayPort}`,
    opsUrl: `http://127.0.0.1:${plane.opsPort}`,
    replica: feed.replica,
    feed,
    feedClock,
    logs,
    close,
  };
}

/**
 * The environment of a `bullseye-gateway gateway` process following `admin`,
 * with its policy (TEST_POLICY, or `policy`) written into `dir`.
 */
export function splitGatewayEnv(
  dir: string,
  admin: SplitAdmin,
  upstream: TestUpstream,
  options: { policy?: string; env?: Record<string, string> } = {},
): Record<string, string> {
  const policyPath = join(dir, 'policy.yaml');
  writeTestPolicy(policyPath, { upstream: upstream.origin, admin: admin.adminUrl }, options.policy);
  return {
    HOST: '127.0.0.1',
    GATEWAY_PORT: '0',
    OPS_PORT: '0',
    POLICY_PATH: policyPath,
    SYNC_URL: admin.syncUrl,
    SYNC_TOKEN,
    LOG_LEVEL: 'info',
    ...options.env,
  };
}

/** A real `bullseye-gateway gateway` process (dist/cli.js); resolves once it listens and its replica is loaded. */
export async function spawnGateway(t: TestLike, env: Record<string, string>): Promise<{ process: CliProcess; url: string }> {
  const process = runCli(t, ['gateway'], env);
  const line = await process.waitForLine(/"msg":"gateway listening"/);
  const { gatewayPort } = JSON.parse(line) as { gatewayPort: number };
  await process.waitForLine(/"msg":"key replica loaded from the change feed"/);
  return { process, url: `http://127.0.0.1:${gatewayPort}` };
}

export { startUpstream, tempDir };
