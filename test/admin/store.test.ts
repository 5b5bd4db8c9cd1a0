// The key store over a real SQLite file: creation (hash only, sequence
// numbers, organization rules), revocation outcomes, organizations, the
// change listing and change notifications, in this process and across
// connections.
import t from 'tap';
import { join } from 'node:path';
import { createManualClock } from '../../core/clock.js';
import { hashKey } from '../../core/keys.js';
import { openStore, type KeyStore, type NewKey } from '../../admin/store/key-store.js';
import { captureLogs } from '../helpers/log-capture.js';
import { tempDir } from '../helpers/temp.js';

function newStore(t: Parameters<typeof tempDir>[0], path = join(tempDir(t), 'bullseye.db')): KeyStore {
  const store = openStore({ path, clock: createManualClock(), logger: captureLogs().logger, pollMs: 10 });
  t.teardown(() => store.close());
  return store;
}

const orgKey = (ownerId: string, more: Partial<NewKey> = {}): NewKey => ({
  family: 'org',
  ownerId,
  name: 'k',
  scopes: ['read'],
  expiresAt: null,
  createdBy: 'test',
  registerOrganization: true,
  ...more,
});

t.test('a created key is stored by hash and found by it', async (t) => {
  const store = newStore(t);
  const created = store.createKey(orgKey('acme', { expiresAt: 99 }));
  if (!created.ok) throw new Error(created.reason);
  t.equal(created.key.seq, 1);
  t.equal(store.currentSeq(), 1);
  t.same(store.findByHash(hashKey(created.plainKey)), {
    id: created.key.id,
    family: 'org',
    ownerId: 'acme',
    hash: hashKey(created.plainKey),
    scopes: ['read'],
    status: 'active',
    expiresAt: 99,
    seq: 1,
    allowedIps: null,
    rateLimits: null,
    quota: null,
  });
  t.equal(store.findByHash(hashKey('bsk_live_00000000000000000000000000000000')), undefined);
  t.notOk('hash' in created.key, 'the row handed out holds no hash');
});

t.test('organization rules', async (t) => {
  const store = newStore(t);
  t.same(store.createKey(orgKey('ghost', { registerOrganization: false })), { ok: false, reason: 'unknown_organization' });
  t.equal(store.currentSeq(), 0, 'a refused create uses no sequence number');
  t.ok(store.createKey(orgKey('acme')).ok, 'registration on request');
  t.same(store.getOrganization('acme'), { id: 'acme', agency: false, createdAt: Date.UTC(2026, 0, 1) });
  t.same(store.createKey(orgKey('acme', { scopes: ['agency:read'] })), { ok: false, reason: 'agency_scopes_not_allowed' });
  t.same(store.createKey({ ...orgKey('p'), family: 'partner', scopes: ['agency:read'] }), {
    ok: false,
    reason: 'agency_scopes_not_allowed',
  });
  t.match(store.addOrganization('agency-1', true), { ok: true, created: true });
  t.ok(store.createKey(orgKey('agency-1', { scopes: ['agency:read', 'agency:write'] })).ok);
  t.match(store.addOrganization('agency-1', true), { ok: true, created: false }, 'adding again is idempotent');
  t.match(store.addOrganization('agency-1', false), { ok: false, reason: 'agency_mismatch' });
});

t.test('revocation outcomes', async (t) => {
  const store = newStore(t);
  const created = store.createKey(orgKey('acme'));
  if (!created.ok) throw new Error(created.reason);
  const id = created.key.id;
  t.equal(store.revokeKey(id, { family: 'org', ownerId: 'globex' }), 'not_found', "another owner's key is not found");
  t.equal(store.revokeKey(id, { family: 'partner', ownerId: 'acme' }), 'not_found', 'so is one of another family');
  t.equal(store.currentSeq(), 1);
  t.equal(store.revokeKey(id, { family: 'org', ownerId: 'acme' }), 'revoked');
  t.equal(store.currentSeq(), 2);
  t.match(store.getKey(id), { status: 'revoked', revokedAt: Date.UTC(2026, 0, 1), seq: 2 });
  t.equal(store.revokeKey(id), 'already_revoked');
  t.equal(store.currentSeq(), 2, 'no new sequence number');
  t.equal(store.revokeKey('00000000-0000-4000-8000-000000000000'), 'not_found');
});

t.test('changesSince: latest version of each key, in sequence order, limited', async (t) => {
  const store = newStore(t);
  const ids = [1, 2, 3].map(() => {
    const created = store.createKey(orgKey('acme'));
    if (!created.ok) throw new Error(created.reason);
    return created.key.id;
  });
  store.revokeKey(ids[0]!);
  t.same(
    store.changesSince(0, 10).map((r) => [r.id, r.seq]),
    [
      [ids[1], 2],
      [ids[2], 3],
      [ids[0], 4],
    ],
  );
  t.same(
    store.changesSince(0, 2).map((r) => r.seq),
    [2, 3],
  );
  t.same(store.changesSince(4, 10), []);
});

t.test('onChange: own commits synchronously, and only key writes', async (t) => {
  const store = newStore(t);
  const heard: number[] = [];
  const off = store.onChange((seq) => heard.push(seq));
  const created = store.createKey(orgKey('acme'));
  t.same(heard, [1], 'announced before createKey returns');
  if (!created.ok) throw new Error(created.reason);
  store.recordActivity({ lastUsed: new Map([[created.key.id, 5]]), usage: [] });
  store.addOrganization('globex', false);
  store.revokeKey(created.key.id);
  store.revokeKey(created.key.id);
  t.same(heard, [1, 2], 'last-used, organizations and no-op revocations are not key changes');
  off();
  store.createKey(orgKey('acme'));
  t.same(heard, [1, 2], 'unsubscribed');
});

t.test('onChange: a commit by another connection is noticed', async (t) => {
  const path = join(tempDir(t), 'bullseye.db');
  const store = newStore(t, path);
  const other = newStore(t, path);
  const heard = new Promise<number>((resolve) => {
    const off = store.onChange((seq) => {
      off();
      resolve(seq);
    });
  });
  // The poll timer is unref'd (it must never hold a process open): hold this one open meanwhile.
  const keepAlive = setInterval(() => undefined, 60_000);
  other.createKey(orgKey('acme'));
  t.equal(await heard, 1);
  clearInterval(keepAlive);
});

t.test('a failing listener does not stop the others', async (t) => {
  const store = newStore(t);
  const heard: number[] = [];
  store.onChange(() => {
    throw new Error('listener bug');
  });
  store.onChange((seq) => heard.push(seq));
  store.createKey(orgKey('acme'));
  t.same(heard, [1]);
});
