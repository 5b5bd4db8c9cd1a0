// The combined stack in-process, as `bullseye-gateway start` assembles it: a
// real admin server on a temp SQLite file, a real recording upstream, and the
// data plane (gateway + ops listeners on port 0) whose replica follows the
// store. One manual clock drives key expiry and the in-memory limiter.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadSettings } from '../../config/gateway-settings.js';
import { startDataPlane, type DataPlane } from '../../gateway/data-plane.js';
import type { KeyReplica } from '../../gateway/replica/key-replica.js';
import { storeKeySource } from '../../gateway/replica/key-source.js';
import { startAdmin, type AdminHarness } from './admin.js';
import { createTestKey, type TestKey, type TestKeyOptions } from './keys.js';
import { tempDir } from './temp.js';
import { startUpstream, type TestUpstream } from './upstream.js';

interface TestLike {
  teardown(fn: () => void | Promise<void>): void;
}

/** A policy covering every pipeline branch; ${UPSTREAM} and ${ADMIN} are replaced with real origins. */
export const TEST_POLICY = `
upstreams:
  app: \${UPSTREAM}
  admin: { url: \${ADMIN}, forwardKey: true }
defaults: { upstream: app, key: org, rateLimit: { requests: 1000, per: 1m } }
routes:
  GET /api/v1/organization/{organization_id}/visitors: read
  POST /api/v1/organization/{organization_id}/lists: write
  GET /api/v1/organization/{organization_id}/lists/{listId}: read
  GET /api/v1/organization/{organization_id}/lists/export: { scope: read, cost: 5 }
  GET /api/v1/organization/{organization_id}/agency/overview: agency:read
  GET /api/v1/organization/{organization_id}/api-keys: { scope: read, upstream: admin }
  POST /api/v1/organization/{organization_id}/api-keys: { scope: admin, upstream: admin }
  DELETE /api/v1/organization/{organization_id}/api-keys/{keyId}: { scope: admin, upstream: admin }
  GET /api/v1/partner/api-keys: { scope: read, key: partner, upstream: admin }
  GET /api/v1/partner/reports: { scope: read, key: partner }
  GET /api/v1/whoami: { scope: read, key: any }
  GET /ws/events: { scope: read, key: any, websocket: true }
  GET /status: public
`;

/**
 * Gateway settings (YAML) for tests that count Redis decisions exactly: past the 50 ms default a
 * Redis call falls back to the in-memory bucket by design, which a busy CI machine (or a fresh
 * process's first script load) can trigger and which would blur the count. A stopped Redis still
 * fails at once (no offline queue), so outage tests pay nothing for it. `more`: further
 * rateLimit fields, e.g. "onRedisFailure: closed".
 */
export const patientRedisSettings = (more = ''): string => `rateLimit: { redisCommandTimeout: 5s${more ? `, ${more}` : ''} }\n`;

/** Write a policy file with ${UPSTREAM} and ${ADMIN} replaced by real origins. */
export function writeTestPolicy(path: string, origins: { upstream: string; admin: string }, yaml = TEST_POLICY): void {
  writeFileSync(path, yaml.replaceAll('${UPSTREAM}', origins.upstream).replaceAll('${ADMIN}', origins.admin));
}

export interface ReloadOutcome {
  applied: boolean;
  hash: string;
}

export interface GatewayStack {
  gatewayUrl: string;
  gatewayPort: number;
  opsUrl: string;
  upstream: TestUpstream;
  admin: AdminHarness;
  policyPath: string;
  plane: DataPlane;
  replica: KeyReplica;
  key(options?: TestKeyOptions): TestKey;
  /** Write a new policy file (same placeholders as TEST_POLICY). */
  writePolicy(yaml: string): void;
  /** Resolves at the next reload attempt, applied or refused. */
  nextReload(): Promise<ReloadOutcome>;
  close(): Promise<void>;
}

export interface StackOptions {
  policy?: string;
  /** Extra gateway settings as YAML (CONFIG_PATH), e.g. a short upstream timeout. */
  settingsYaml?: string;
  env?: Record<string, string>;
  /** With REDIS_URL: return only once the limiter reaches Redis (default true; exact-count tests need it). */
  waitForRedis?: boolean;
}

export async function startGatewayStack(t: TestLike, options: StackOptions = {}): Promise<GatewayStack> {
  const dir = tempDir(t, 'bullseye-gateway');
  const admin = await startAdmin(t, { dbPath: join(dir, 'bullseye.db') });
  const upstream = await startUpstream(t);
  const policyPath = join(dir, 'policy.yaml');
  const writePolicy = (yaml: string): void => writeTestPolicy(policyPath, { upstream: upstream.origin, admin: admin.baseUrl }, yaml);
  writePolicy(options.policy ?? TEST_POLICY);
  let configPath: string | undefined;
  if (options.settingsYaml) {
    configPath = join(dir, 'gateway.yaml');
    writeFileSync(configPath, options.settingsYaml);
  }
  const settings = loadSettings(
    { HOST: '127.0.0.1', GATEWAY_PORT: '0', OPS_PORT: '0', POLICY_PATH: policyPath, LOG_LEVEL: 'trace', ...options.env },
    configPath,
  );
  const keySource = storeKeySource({ store: admin.store, activity: admin.activity, logger: admin.logs.logger });
  const reloadWaiters: ((outcome: ReloadOutcome) => void)[] = [];
  const plane = await startDataPlane({
    onPolicyReload: (outcome) => reloadWaiters.splice(0).forEach((resolve) => resolve(outcome)),
    settings,
    keySource,
    internalAdmin: { origin: admin.baseUrl },
    clock: admin.clock,
    logger: admin.logs.logger,
  });
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await plane.close();
    await keySource.close();
  };
  t.teardown(close);
  // The gateway listens before Redis is reached (open mode); exact-count tests need Redis from the first request.
  if (settings.redisUrl && options.waitForRedis !== false) await plane.limiterReady(5_000);
  return {
    gatewayUrl: `http://127.0.0.1:${plane.gatewayPort}`,
    gatewayPort: plane.gatewayPort,
    opsUrl: `http://127.0.0.1:${plane.opsPort}`,
    upstream,
    admin,
    policyPath,
    plane,
    replica: keySource.replica,
    key: (keyOptions = {}) => createTestKey(admin.store, keyOptions),
    writePolicy,
    nextReload: () => new Promise((resolve) => reloadWaiters.push(resolve)),
    close,
  };
}
