// The store's side of a key's own limits: a version-3 database upgrades (its
// keys get NULL, the policy's defaults; its audit rows are kept; key.created may
// now carry details), and a value edited into the file by hand that the record's
// check refuses reads as null instead of breaking lookups or the change feed.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import t from 'tap';
import { openStore } from '../../admin/store/key-store.js';
import { MIGRATIONS } from '../../admin/store/migrations.js';
import { createManualClock } from '../../core/clock.js';
import { keyRecordProblem } from '../../core/key-record.js';
import { captureLogs } from '../helpers/log-capture.js';
import { tempDir } from '../helpers/temp.js';

const HASH = 'a'.repeat(64);

t.test('a version-3 database upgrades: keys get no limits of their own, audit rows are kept', async (t) => {
  const path = join(tempDir(t), 'old.db');
  const raw = new Database(path);
  for (const [i, migration] of MIGRATIONS.slice(0, 3).entries()) {
    raw.exec(migration);
    raw.pragma(`user_version = ${i + 1}`);
  }
  raw.exec(`INSERT INTO organizations (id, agency, created_at) VALUES ('acme', 0, 0)`);
  raw.exec(`INSERT INTO api_keys (id, family, owner_id, organization_id, name, key_prefix, key_hash, scopes, status, created_at, seq)
            VALUES ('k1', 'org', 'acme', 'acme', 'old', 'bsk_live_abcd', '${HASH}', '["read"]', 'active', 0, 1)`);
  raw.exec(`INSERT INTO audit_events (at, actor, action, key_id, family, owner_id, key_prefix, scopes, details)
            VALUES (0, 'cli', 'key.created', 'k1', 'org', 'acme', 'bsk_live_abcd', '["read"]', NULL),
                   (1, 'cli', 'key.updated', 'k1', 'org', 'acme', 'bsk_live_abcd', NULL, '{"fields":["name"]}')`);
  raw.exec('UPDATE change_sequence SET value = 1');
  raw.close();

  const store = openStore({ path, clock: createManualClock(10), logger: captureLogs().logger });
  t.teardown(() => store.close());
  t.match(store.getKey('k1'), { rateLimits: null, quota: null });
  t.match(store.findByHash(HASH), { rateLimits: null, quota: null });
  t.equal(keyRecordProblem(store.changesSince(0, 10)[0]), undefined, 'the feed record is a whole key record');
  t.match(store.auditEvents({ limit: 10 }), [
    { id: 1, action: 'key.created', details: null },
    { id: 2, action: 'key.updated', details: { fields: ['name'] } },
  ]);
  const created = store.createKey({
    family: 'org',
    ownerId: 'acme',
    name: 'new',
    scopes: ['read'],
    expiresAt: null,
    rateLimits: [{ requests: 5, perMs: 1000 }],
    createdBy: 'cli',
  });
  t.ok(created.ok);
  t.match(store.auditEvents({ limit: 1 })[0], { id: 3, action: 'key.created', details: { rateLimits: [{ limit: 5, duration: 1000 }] } });
  const check = new Database(path);
  t.teardown(() => check.close());
  t.throws(
    () => check.prepare(`UPDATE api_keys SET quota = 'not json' WHERE id = 'k1'`).run(),
    /malformed JSON/,
    'the column holds JSON only',
  );
  t.throws(() => check.prepare(`UPDATE api_keys SET rate_limits = '{}' WHERE id = 'k1'`).run(), /CHECK/, 'rate_limits holds a list');
  t.throws(
    () =>
      check
        .prepare(
          `INSERT INTO audit_events (at, actor, action, key_id, family, owner_id, key_prefix, details)
    VALUES (0, 'cli', 'key.revoked', 'k1', 'org', 'acme', 'bsk_live_abcd', '{}')`,
        )
        .run(),
    /CHECK/,
    'key.revoked still has no details',
  );
  t.throws(() => check.prepare('DELETE FROM audit_events').run(), /append-only/, 'the append-only triggers are back');
});

t.test('a hand-edited limit the record check refuses reads as null: lookups and the feed keep working', async (t) => {
  const path = join(tempDir(t), 'edited.db');
  const store = openStore({ path, clock: createManualClock(10), logger: captureLogs().logger });
  t.teardown(() => store.close());
  const created = store.createKey({
    family: 'org',
    ownerId: 'acme',
    name: 'k',
    scopes: ['read'],
    expiresAt: null,
    createdBy: 'cli',
    registerOrganization: true,
  });
  if (!created.ok) throw new Error('not created');
  const edit = new Database(path);
  t.teardown(() => edit.close());
  edit.prepare(`UPDATE api_keys SET rate_limits = '[{"requests":0,"perMs":5}]', quota = '{"limit":5,"period":"week"}'`).run();
  t.match(store.getKey(created.key.id), { rateLimits: null, quota: null });
  const [record] = store.changesSince(0, 10);
  t.match(record, { id: created.key.id, rateLimits: null, quota: null });
  t.equal(keyRecordProblem(record), undefined, 'a record the feed follower accepts');
});
