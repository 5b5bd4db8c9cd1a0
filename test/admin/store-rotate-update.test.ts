// Rotation and updates in the store: each one transaction with its change
// sequence and its audit event; a rotation copies the key and shortens (or
// ends) the old one's life; an update changes only what differs. Also the
// migration that brings allowlists and the new audit actions to a version-2 file.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import t from 'tap';
import { openStore, type KeyStore, type NewKey } from '../../admin/store/key-store.js';
import { MIGRATIONS } from '../../admin/store/migrations.js';
import { createManualClock } from '../../core/clock.js';
import { hashKey } from '../../core/keys.js';
import { captureLogs } from '../helpers/log-capture.js';
import { tempDir } from '../helpers/temp.js';

const T0 = Date.UTC(2026, 0, 1);
const DAY = 86_400_000;
const ACTOR = { id: 'key_caller', address: '10.0.0.7' };
const ACME = { family: 'org' as const, ownerId: 'acme' };

function newStore(t: Parameters<typeof tempDir>[0]) {
  const path = join(tempDir(t), 'bullseye.db');
  const clock = createManualClock(T0);
  const store: KeyStore = openStore({ path, clock, logger: captureLogs().logger });
  t.teardown(() => store.close());
  return { store, clock, path };
}

const create = (store: KeyStore, more: Partial<NewKey> = {}) => {
  const created = store.createKey({
    ...ACME,
    name: 'ci',
    scopes: ['read', 'write'],
    expiresAt: null,
    createdBy: 'ops',
    registerOrganization: true,
    ...more,
  });
  if (!created.ok) throw new Error(created.reason);
  return created;
};

t.test('rotation: a successor with the same settings; the old key lives out the grace', async (t) => {
  const { store, clock } = newStore(t);
  const old = create(store, { allowedIps: ['10.0.0.0/8'], expiresAt: T0 + 30 * DAY }).key;
  clock.advance(1000);
  const rotated = store.rotateKey(old.id, ACME, { graceMs: DAY, actor: ACTOR });
  if (!rotated.ok) throw new Error(rotated.reason);
  t.match(rotated.key, { ...ACME, name: 'ci', scopes: ['read', 'write'], expiresAt: T0 + 30 * DAY, allowedIps: ['10.0.0.0/8'] });
  t.match(rotated.key, { status: 'active', createdBy: 'key_caller', createdAt: T0 + 1000 });
  t.not(rotated.key.id, old.id);
  t.equal(store.findByHash(hashKey(rotated.plainKey))?.id, rotated.key.id, 'the successor authenticates');
  t.same(rotated.previousKey, { ...store.getKey(old.id) }, 'previousKey is the stored old key');
  t.equal(rotated.previousKey.expiresAt, T0 + 1000 + DAY, 'the old key expires at the end of the grace');
  t.equal(rotated.previousKey.status, 'active');

  const changes = store.changesSince(old.seq, 10);
  t.same(
    changes.map((record) => record.id),
    [rotated.key.id, old.id],
    'both changes reach the change feed',
  );
  const [event] = store.auditEvents({ limit: 10 }).filter((e) => e.action === 'key.rotated');
  t.match(event, {
    action: 'key.rotated',
    keyId: rotated.key.id,
    actor: 'key_caller',
    clientAddress: '10.0.0.7',
    scopes: ['read', 'write'],
    details: { previousKeyId: old.id, gracePeriodSeconds: 86_400 },
  });
  t.notMatch(JSON.stringify(store.auditEvents({ limit: 10 })), rotated.plainKey.slice(9), 'no plain key in the audit log');
});

t.test('rotation: the grace never extends an earlier expiry; 0 revokes at once; a new name', async (t) => {
  const { store } = newStore(t);
  const soon = create(store, { expiresAt: T0 + 60_000 }).key;
  const rotated = store.rotateKey(soon.id, ACME, { graceMs: DAY, actor: ACTOR });
  t.equal(rotated.ok && rotated.previousKey.expiresAt, T0 + 60_000);

  const now = create(store).key;
  const revoked = store.rotateKey(now.id, ACME, { graceMs: 0, name: 'ci 2', actor: ACTOR });
  if (!revoked.ok) throw new Error(revoked.reason);
  t.equal(revoked.previousKey.status, 'revoked');
  t.equal(revoked.previousKey.revokedAt, T0);
  t.equal(revoked.key.name, 'ci 2');
  const records = store.changesSince(0, 100);
  t.equal(records.find((record) => record.id === now.id)?.status, 'revoked', 'the change feed says revoked');
});

t.test('rotation refusals change nothing', async (t) => {
  const { store, clock } = newStore(t);
  const revoked = create(store).key;
  store.revokeKey(revoked.id);
  const expired = create(store, { expiresAt: T0 + 1000 }).key;
  clock.advance(1000);
  const seq = store.currentSeq();
  const events = store.auditEvents({ limit: 100 }).length;
  t.same(store.rotateKey(revoked.id, ACME, { graceMs: 0, actor: ACTOR }), { ok: false, reason: 'revoked' });
  t.same(store.rotateKey(expired.id, ACME, { graceMs: 0, actor: ACTOR }), { ok: false, reason: 'expired' });
  t.same(store.rotateKey(expired.id, { family: 'org', ownerId: 'globex' }, { graceMs: 0, actor: ACTOR }), {
    ok: false,
    reason: 'not_found',
  });
  t.same(store.rotateKey('no-such-id', ACME, { graceMs: 0, actor: ACTOR }), { ok: false, reason: 'not_found' });
  t.equal(store.currentSeq(), seq, 'no change sequence spent');
  t.equal(store.auditEvents({ limit: 100 }).length, events, 'no audit event');
  t.equal(store.listKeys(ACME).length, 2, 'no key created');
});

t.test('update: only what differs is written and audited', async (t) => {
  const { store } = newStore(t);
  const key = create(store).key;
  const updated = store.updateKey(key.id, ACME, { name: 'ci', scopes: ['read'], allowedIps: ['192.0.2.1'] }, ACTOR);
  if (!updated.ok) throw new Error(updated.reason);
  t.same(updated.changed, ['scopes', 'allowedIps'], 'the same name is not a change');
  t.match(updated.key, { name: 'ci', scopes: ['read'], allowedIps: ['192.0.2.1'], expiresAt: null });
  t.ok(updated.key.seq > key.seq, 'a new change sequence');
  t.same(store.findByHash(store.changesSince(key.seq, 1)[0]!.hash)?.allowedIps, ['192.0.2.1'], 'the record carries the allowlist');
  t.match(store.auditEvents({ limit: 10 }).at(-1), {
    action: 'key.updated',
    keyId: key.id,
    scopes: null,
    details: { fields: ['scopes', 'allowedIps'] },
  });

  const seq = store.currentSeq();
  const same = store.updateKey(key.id, ACME, { scopes: ['read'], allowedIps: ['192.0.2.1'] }, ACTOR);
  t.same(same.ok && same.changed, [], 'nothing differs');
  t.equal(store.currentSeq(), seq, 'nothing written');

  const cleared = store.updateKey(key.id, ACME, { allowedIps: null, expiresAt: T0 + DAY }, ACTOR);
  t.same(cleared.ok && cleared.changed, ['expiresAt', 'allowedIps']);
  t.match(store.getKey(key.id), { allowedIps: null, expiresAt: T0 + DAY });
});

t.test('update refusals change nothing', async (t) => {
  const { store } = newStore(t);
  const key = create(store).key;
  const revoked = create(store).key;
  store.revokeKey(revoked.id);
  const seq = store.currentSeq();
  t.same(store.updateKey(revoked.id, ACME, { name: 'x' }, ACTOR), { ok: false, reason: 'revoked' });
  t.same(store.updateKey(key.id, { family: 'partner', ownerId: 'acme' }, { name: 'x' }, ACTOR), { ok: false, reason: 'not_found' });
  t.same(store.updateKey(key.id, ACME, { scopes: ['agency:read'] }, ACTOR), { ok: false, reason: 'agency_scopes_not_allowed' });
  t.equal(store.currentSeq(), seq);
  t.equal(store.getKey(key.id)?.name, 'ci');
});

t.test('a version-2 database upgrades: keys get no allowlist, audit rows are kept, the new actions are accepted', async (t) => {
  const path = join(tempDir(t), 'old.db');
  const raw = new Database(path);
  for (const [i, migration] of MIGRATIONS.slice(0, 2).entries()) {
    raw.exec(migration);
    raw.pragma(`user_version = ${i + 1}`);
  }
  raw.exec(`INSERT INTO organizations (id, agency, created_at) VALUES ('acme', 0, 0)`);
  raw.exec(`INSERT INTO api_keys (id, family, owner_id, organization_id, name, key_prefix, key_hash, scopes, status, created_at, seq)
            VALUES ('k1', 'org', 'acme', 'acme', 'old', 'bsk_live_abcd', '${'a'.repeat(64)}', '["read"]', 'active', 0, 1)`);
  raw.exec(`INSERT INTO audit_events (at, actor, action, key_id, family, owner_id, key_prefix, scopes)
            VALUES (0, 'cli', 'key.created', 'k1', 'org', 'acme', 'bsk_live_abcd', '["read"]')`);
  raw.exec('UPDATE change_sequence SET value = 1');
  raw.close();

  const store = openStore({ path, clock: createManualClock(T0), logger: captureLogs().logger });
  t.teardown(() => store.close());
  t.equal(store.getKey('k1')?.allowedIps, null);
  t.match(store.auditEvents({ limit: 10 }), [{ id: 1, action: 'key.created', keyId: 'k1', details: null }]);
  const updated = store.updateKey('k1', ACME, { name: 'renamed' }, ACTOR);
  t.ok(updated.ok, 'a key.updated row is accepted');
  t.match(store.auditEvents({ limit: 10 }).at(-1), { id: 2, action: 'key.updated' });
  const check = new Database(path);
  t.teardown(() => check.close());
  t.throws(() => check.prepare('DELETE FROM audit_events').run(), /append-only/, 'rows cannot be deleted');
  t.throws(() => check.prepare(`UPDATE audit_events SET actor = 'x'`).run(), /append-only/, 'nor edited');
  t.match(
    (check.prepare(`SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY name`).all() as { name: string }[]).map((r) => r.name),
    ['audit_events_no_delete', 'audit_events_no_update'],
    'the append-only triggers are back',
  );
});
