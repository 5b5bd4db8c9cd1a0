// Hourly key usage in the store: a version-4 database gains the table, batches
// add their counts to the hour's row (two gateways' batches add up), counts of
// unknown keys are skipped without failing the batch, rows past the retention
// are pruned at most once per clock hour, and a write the environment refuses
// is a StoreUnavailableError that leaves the stored counts as they were.
import t from 'tap';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createManualClock } from '../../core/clock.js';
import { HOUR_MS, type HourlyUsage, type KeyActivityBatch } from '../../core/key-activity.js';
import { openDatabase } from '../../admin/store/database.js';
import { openStore, type StoreOptions } from '../../admin/store/key-store.js';
import { MIGRATIONS } from '../../admin/store/migrations.js';
import { StoreUnavailableError } from '../../admin/store/writability.js';
import { createTestKey } from '../helpers/keys.js';
import { captureLogs } from '../helpers/log-capture.js';
import { tempDir } from '../helpers/temp.js';
import { hourlyUsage } from '../helpers/usage.js';

const HOUR = Date.UTC(2026, 11, 1, 13);
const END = Number.MAX_SAFE_INTEGER;

function setup(t: Parameters<typeof tempDir>[0], options: Partial<StoreOptions> = {}) {
  const path = join(tempDir(t), 'bullseye.db');
  const clock = createManualClock(HOUR + 5 * 60_000);
  const store = openStore({ path, clock, logger: captureLogs().logger, ...options });
  t.teardown(() => store.close());
  return { path, clock, store };
}

const batch = (usage: HourlyUsage[], lastUsed: Array<[string, number]> = []): KeyActivityBatch => ({ lastUsed: new Map(lastUsed), usage });

t.test('a version-4 database is upgraded: its keys stay, key_usage and its hour index appear', async (t) => {
  const path = join(tempDir(t), 'bullseye.db');
  const old = openDatabase(path, MIGRATIONS.slice(0, 4));
  old.prepare('INSERT INTO organizations (id, agency, created_at) VALUES (?, 0, 1)').run('acme');
  old.close();
  const store = openStore({ path, clock: createManualClock(HOUR), logger: captureLogs().logger });
  t.teardown(() => store.close());
  const key = createTestKey(store, { org: 'acme' });
  store.recordActivity(batch([hourlyUsage(key.id, HOUR, 3)]));
  t.same(store.usageOf(key.id, HOUR, HOUR + HOUR_MS), [hourlyUsage(key.id, HOUR, 3)]);
  t.equal(store.getOrganization('acme')?.id, 'acme', 'the old rows are kept');
  const raw = new Database(path, { readonly: true });
  t.teardown(() => raw.close());
  t.equal(raw.pragma('user_version', { simple: true }), 5);
  t.same(raw.prepare("SELECT name FROM sqlite_master WHERE tbl_name = 'key_usage' AND type = 'index' AND sql IS NOT NULL").pluck().all(), [
    'key_usage_by_hour',
  ]);
});

t.test('two gateways batches for the same key and hour add up; last used moves forward only', async (t) => {
  const { store } = setup(t);
  const key = createTestKey(store, { org: 'acme' });
  store.recordActivity(batch([hourlyUsage(key.id, HOUR, 5, 1, 2, 0), hourlyUsage(key.id, HOUR - HOUR_MS, 1)], [[key.id, HOUR + 2000]]));
  store.recordActivity(batch([hourlyUsage(key.id, HOUR, 2, 0, 1, 4)], [[key.id, HOUR + 1000]]));
  t.same(store.usageOf(key.id, HOUR - HOUR_MS, HOUR + HOUR_MS), [
    hourlyUsage(key.id, HOUR - HOUR_MS, 1),
    hourlyUsage(key.id, HOUR, 7, 1, 3, 4),
  ]);
  t.equal(store.getKey(key.id)?.lastUsedAt, HOUR + 2000, 'the later time wins');
});

t.test('usageOf: [hour of from, to), oldest first, only the asked key', async (t) => {
  const { store } = setup(t);
  const key = createTestKey(store, { org: 'acme' });
  const other = createTestKey(store, { org: 'acme' });
  const hours = [0, 1, 2, 3].map((n) => HOUR - n * HOUR_MS);
  store.recordActivity(batch([...hours.map((h, i) => hourlyUsage(key.id, h, i + 1)), hourlyUsage(other.id, HOUR, 9)]));
  t.same(
    store.usageOf(key.id, HOUR - 2 * HOUR_MS + 59 * 60_000, HOUR),
    [hourlyUsage(key.id, HOUR - 2 * HOUR_MS, 3), hourlyUsage(key.id, HOUR - HOUR_MS, 2)],
    'from rounds down to its hour; to is exclusive',
  );
  t.same(store.usageOf(key.id, HOUR, HOUR + 1), [hourlyUsage(key.id, HOUR, 1)]);
  t.same(store.usageOf('no-such-key', 0, HOUR + HOUR_MS), []);
});

t.test('counts of unknown keys are skipped; the rest of the batch is written', async (t) => {
  const { store } = setup(t);
  const key = createTestKey(store, { org: 'acme' });
  store.recordActivity(batch([hourlyUsage('gone', HOUR, 4), hourlyUsage(key.id, HOUR, 2)], [['gone', HOUR]]));
  t.same(store.usageOf(key.id, 0, HOUR + HOUR_MS), [hourlyUsage(key.id, HOUR, 2)]);
  t.same(store.usageOf('gone', 0, HOUR + HOUR_MS), []);
});

t.test('rows past the retention are pruned, at most once per clock hour', async (t) => {
  const retention = 3 * HOUR_MS;
  const { store, clock } = setup(t, { usageRetentionMs: retention });
  const key = createTestKey(store, { org: 'acme' });
  const old = HOUR - 5 * HOUR_MS;
  store.recordActivity(batch([hourlyUsage(key.id, HOUR, 1)]));
  // This hour has pruned already: a row written now for an hour past the retention stays until the next hour.
  store.recordActivity(batch([hourlyUsage(key.id, old, 1)]));
  t.same(
    store.usageOf(key.id, 0, HOUR + HOUR_MS),
    [hourlyUsage(key.id, old, 1), hourlyUsage(key.id, HOUR, 1)],
    'not pruned twice in one hour',
  );

  clock.advance(HOUR_MS);
  store.recordActivity(batch([hourlyUsage(key.id, HOUR, 1)]));
  t.same(store.usageOf(key.id, 0, HOUR + HOUR_MS), [hourlyUsage(key.id, HOUR, 2)], 'the next hour prunes the old row');

  // The boundary: a row exactly `retention` old is kept, a millisecond later it is past.
  clock.set(HOUR + 3 * HOUR_MS);
  store.recordActivity(batch([], [[key.id, HOUR + 3 * HOUR_MS]]));
  t.same(store.usageOf(key.id, 0, HOUR + HOUR_MS), [hourlyUsage(key.id, HOUR, 2)], 'hour_start = now - retention is kept');
  clock.set(HOUR + 4 * HOUR_MS + 1);
  store.recordActivity(batch([], [[key.id, HOUR + 4 * HOUR_MS]]));
  t.same(store.usageOf(key.id, 0, HOUR + HOUR_MS), [], 'older: pruned');
  t.equal(store.getKey(key.id)?.lastUsedAt, HOUR + 4 * HOUR_MS);
});

t.test('default retention is 90 days', async (t) => {
  const { store, clock } = setup(t);
  const key = createTestKey(store, { org: 'acme' });
  store.recordActivity(batch([hourlyUsage(key.id, HOUR, 1)]));
  clock.set(HOUR + 90 * 24 * HOUR_MS);
  store.recordActivity(batch([hourlyUsage(key.id, HOUR + HOUR_MS, 1)]));
  t.same(store.usageOf(key.id, 0, END), [hourlyUsage(key.id, HOUR, 1), hourlyUsage(key.id, HOUR + HOUR_MS, 1)], '90 days old: kept');
  clock.advance(HOUR_MS);
  store.recordActivity(batch([hourlyUsage(key.id, HOUR + HOUR_MS, 1)]));
  t.same(store.usageOf(key.id, 0, END), [hourlyUsage(key.id, HOUR + HOUR_MS, 2)], 'older: pruned');
});

t.test('a held write lock: recordActivity throws StoreUnavailableError and writes nothing; a later batch works', async (t) => {
  const { path, store } = setup(t, { busyTimeoutMs: 50 });
  const key = createTestKey(store, { org: 'acme' });
  store.recordActivity(batch([hourlyUsage(key.id, HOUR, 1)]));
  const locker = new Database(path);
  t.teardown(() => locker.close());
  locker.exec('BEGIN IMMEDIATE');
  t.throws(() => store.recordActivity(batch([hourlyUsage(key.id, HOUR, 5)], [[key.id, HOUR + 1]])), StoreUnavailableError);
  t.equal(store.health().writable, false, 'readiness reports it');
  t.same(store.usageOf(key.id, 0, HOUR + HOUR_MS), [hourlyUsage(key.id, HOUR, 1)], 'the counts are as they were');
  t.equal(store.getKey(key.id)?.lastUsedAt, null);
  locker.exec('ROLLBACK');
  store.recordActivity(batch([hourlyUsage(key.id, HOUR, 5)]));
  t.same(store.usageOf(key.id, 0, HOUR + HOUR_MS), [hourlyUsage(key.id, HOUR, 6)]);
  t.equal(store.health().writable, true);
});
