// A real admin server on port 0 against a temp SQLite file, with a manual
// clock, captured logs, the real failed-authentication guard (on that clock)
// and a key-activity batcher that only flushes when told (its timer is far
// away), so tests never sleep. Torn down with the test.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SETTINGS_DEFAULTS } from '../../config/settings-sections.js';
import { createManualClock, type ManualClock } from '../../core/clock.js';
import { createActivityBatcher, type ActivityBatcher } from '../../core/activity-batcher.js';
import { createAdminServer } from '../../admin/server.js';
import { openStore, type KeyStore } from '../../admin/store/key-store.js';
import { createAuthFailureGuard } from '../../gateway/limiter/auth-failure-guard.js';
import type { RateLimitSpec } from '../../gateway/limiter/types.js';
import { createSyncServer, type SyncServer } from '../../admin/sync/server.js';
import { captureLogs, type CapturedLog } from './log-capture.js';
import { tempDir } from './temp.js';

interface TestLike {
  teardown(fn: () => void | Promise<void>): void;
}

/** Test listeners' shutdown grace: what is in flight at teardown gets this long. */
const CLOSE_GRACE_MS = 1_000;

export interface AdminHarness {
  baseUrl: string;
  port: number;
  store: KeyStore;
  clock: ManualClock;
  /** The store's activity batcher (last use of admin calls; a `start`-style gateway's usage counts). */
  activity: ActivityBatcher;
  logs: CapturedLog;
  dbPath: string;
  /** Everything in the database, as one comparable string. */
  snapshot(): string;
  close(): Promise<void>;
}

export interface AdminOptions {
  dbPath?: string;
  /** Failed authentications allowed per client address; default: the setting's default. */
  authFailures?: RateLimitSpec;
  /** server.trustedProxies of the admin listener (normalized); default none. */
  trustedProxies?: readonly string[];
}

export async function startAdmin(t: TestLike, options: AdminOptions = {}): Promise<AdminHarness> {
  const dbPath = options.dbPath ?? join(tempDir(t, 'bullseye-admin'), 'bullseye.db');
  const clock = createManualClock();
  const logs = captureLogs();
  const store = openStore({ path: dbPath, clock, logger: logs.logger });
  const activity = createActivityBatcher({ flush: (batch) => store.recordActivity(batch), intervalMs: 3_600_000 });
  const authFailures = createAuthFailureGuard({ clock, spec: options.authFailures ?? SETTINGS_DEFAULTS.rateLimit.authFailures });
  const server = createAdminServer({
    store,
    clock,
    logger: logs.logger,
    lastUsed: activity,
    authFailures,
    trustedProxies: options.trustedProxies,
  });
  const { port } = await server.listen(0, '127.0.0.1');
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await server.close(CLOSE_GRACE_MS);
    await activity.close();
    store.close();
  };
  t.teardown(close);
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    port,
    store,
    clock,
    activity,
    logs,
    dbPath,
    snapshot: () => snapshotDatabase(dbPath),
    close,
  };
}

/** Every row of every table, read through a separate read-only connection. */
export function snapshotDatabase(dbPath: string): string {
  const db = new Database(dbPath, { readonly: true });
  try {
    return JSON.stringify({
      organizations: db.prepare('SELECT * FROM organizations ORDER BY id').all(),
      apiKeys: db.prepare('SELECT * FROM api_keys ORDER BY id').all(),
      seq: db.prepare('SELECT value FROM change_sequence').pluck().get(),
      auditEvents: db.prepare('SELECT * FROM audit_events ORDER BY id').all(),
    });
  } finally {
    db.close();
  }
}

export const TEST_SYNC_TOKEN = 'test-sync-token-0123456789abcdef';

export interface SyncHarness {
  baseUrl: string;
  port: number;
  token: string;
  /** Headers with the right bearer token. */
  auth: Record<string, string>;
  server: SyncServer;
  close(): Promise<void>;
}

/** The change feed listener on port 0, over `store` (default: the admin harness's). */
export async function startSync(t: TestLike, store: KeyStore, logs: CapturedLog = captureLogs()): Promise<SyncHarness> {
  const server = createSyncServer({ store, token: TEST_SYNC_TOKEN, logger: logs.logger });
  const { port } = await server.listen(0, '127.0.0.1');
  t.teardown(() => server.close(CLOSE_GRACE_MS));
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    port,
    token: TEST_SYNC_TOKEN,
    auth: { authorization: `Bearer ${TEST_SYNC_TOKEN}` },
    server,
    close: () => server.close(CLOSE_GRACE_MS),
  };
}
