// The audit log in the store: one row per creation and per actual revocation,
// written in the transaction of the change (a change whose row cannot be
// written does not happen), append-only, filtered and limited on read.
import t from 'tap';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createManualClock } from '../../core/clock.js';
import { openStore, type KeyStore, type NewKey } from '../../admin/store/key-store.js';
import { captureLogs } from '../helpers/log-capture.js';
import { tempDir } from '../helpers/temp.js';

function newStore(t: Parameters<typeof tempDir>[0]) {
  const path = join(tempDir(t), 'bullseye.db');
  const clock = createManualClock();
  const store: KeyStore = openStore({ path, clock, logger: captureLogs().logger });
  t.teardown(() => store.close());
  return { store, clock, path };
}

const key = (family: 'org' | 'partner', ownerId: string, more: Partial<NewKey> = {}): NewKey => ({
  family,
  ownerId,
  name: 'k',
  scopes: ['read'],
  expiresAt: null,
  createdBy: 'ops',
  registerOrganization: true,
  ...more,
});

const create = (store: KeyStore, input: NewKey) => {
  const created = store.createKey(input);
  if (!created.ok) throw new Error(created.reason);
  return created.key;
};

t.test('a creation and a revocation are one event each; a repeated revocation is none', async (t) => {
  const { store, clock } = newStore(t);
  const created = create(store, key('org', 'acme', { clientAddress: '10.0.0.7', scopes: ['read', 'admin'] }));
  clock.advance(1000);
  t.equal(store.revokeKey(created.id, undefined, { id: 'key_caller', address: '::1' }), 'revoked');
  t.equal(store.revokeKey(created.id, undefined, { id: 'key_caller', address: '::1' }), 'already_revoked');
  t.equal(store.revokeKey(created.id, { family: 'org', ownerId: 'globex' }), 'not_found');
  t.same(store.auditEvents({ limit: 10 }), [
    {
      id: 1,
      at: Date.UTC(2026, 0, 1),
      actor: 'ops',
      clientAddress: '10.0.0.7',
      action: 'key.created',
      keyId: created.id,
      family: 'org',
      ownerId: 'acme',
      keyPrefix: created.keyPrefix,
      scopes: ['read', 'admin'],
      details: null,
    },
    {
      id: 2,
      at: Date.UTC(2026, 0, 1) + 1000,
      actor: 'key_caller',
      clientAddress: '::1',
      action: 'key.revoked',
      keyId: created.id,
      family: 'org',
      ownerId: 'acme',
      keyPrefix: created.keyPrefix,
      scopes: null,
      details: null,
    },
  ]);
});

t.test('refused creations leave no event', async (t) => {
  const { store } = newStore(t);
  t.notOk(store.createKey(key('org', 'ghost', { registerOrganization: false })).ok);
  t.notOk(store.createKey(key('partner', 'p-1', { scopes: ['agency:read'] })).ok);
  t.same(store.auditEvents({ limit: 10 }), []);
});

t.test('a change whose audit row cannot be written does not happen', async (t) => {
  const { store } = newStore(t);
  const kept = create(store, key('org', 'acme'));
  const tooLong = 'x'.repeat(301); // refused by the audit table's CHECK, after the key row was written
  t.throws(() => store.createKey(key('org', 'acme', { createdBy: tooLong })), /CHECK constraint/);
  t.throws(() => store.revokeKey(kept.id, undefined, { id: tooLong, address: null }), /CHECK constraint/);
  t.same(
    store.listKeys({ family: 'org', ownerId: 'acme' }).map((k) => [k.id, k.status]),
    [[kept.id, 'active']],
  );
  t.equal(store.currentSeq(), 1, 'no sequence number was used');
  t.equal(store.auditEvents({ limit: 10 }).length, 1);
});

t.test('the audit table is append-only', async (t) => {
  const { store, path } = newStore(t);
  create(store, key('org', 'acme'));
  const db = new Database(path);
  t.teardown(() => db.close());
  t.throws(() => db.prepare("UPDATE audit_events SET actor = 'someone else'").run(), /append-only/);
  t.throws(() => db.prepare('DELETE FROM audit_events').run(), /append-only/);
  t.equal(db.prepare('SELECT actor FROM audit_events').pluck().get(), 'ops');
});

t.test('filters: owner, since, and the most recent N, oldest first', async (t) => {
  const { store, clock } = newStore(t);
  const a1 = create(store, key('org', 'acme'));
  clock.advance(1000);
  const p1 = create(store, key('partner', 'acme')); // same id as the organization, other family
  clock.advance(1000);
  store.revokeKey(a1.id);
  clock.advance(1000);
  const g1 = create(store, key('org', 'globex'));
  const ids = (events: { keyId: string; action: string }[]) => events.map((e) => `${e.action} ${e.keyId}`);
  const start = Date.UTC(2026, 0, 1);

  t.same(ids(store.auditEvents({ limit: 10 })), [
    `key.created ${a1.id}`,
    `key.created ${p1.id}`,
    `key.revoked ${a1.id}`,
    `key.created ${g1.id}`,
  ]);
  t.same(ids(store.auditEvents({ owner: { family: 'org', ownerId: 'acme' }, limit: 10 })), [
    `key.created ${a1.id}`,
    `key.revoked ${a1.id}`,
  ]);
  t.same(ids(store.auditEvents({ owner: { family: 'partner', ownerId: 'acme' }, limit: 10 })), [`key.created ${p1.id}`]);
  t.same(
    ids(store.auditEvents({ since: start + 2000, limit: 10 })),
    [`key.revoked ${a1.id}`, `key.created ${g1.id}`],
    'since is inclusive',
  );
  t.same(ids(store.auditEvents({ limit: 2 })), [`key.revoked ${a1.id}`, `key.created ${g1.id}`], 'the most recent two');
  t.same(store.auditEvents({ owner: { family: 'org', ownerId: 'nobody' }, limit: 10 }), []);
});
