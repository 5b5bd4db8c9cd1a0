// lastUsedAt: noted on every authorized call, written in batches
// off the request path (here: when the test flushes), only ever forward.
import t from 'tap';
import { startAdmin } from '../helpers/admin.js';
import { call } from '../helpers/http.js';
import { createTestKey } from '../helpers/keys.js';

const PATH = '/api/v1/organization/acme/api-keys';

t.test('requests do not write; the batch flush does, with the latest time', async (t) => {
  const admin = await startAdmin(t);
  const key = createTestKey(admin.store, { org: 'acme' });
  const start = admin.clock.now();
  for (let i = 0; i < 3; i++) {
    t.equal((await call(admin.baseUrl, 'GET', PATH, { headers: key.headers })).status, 200);
    admin.clock.advance(1000);
  }
  t.equal(admin.store.getKey(key.id)?.lastUsedAt, null, 'nothing written on the request path');
  t.equal(admin.activity.pending(), 1, 'one pending entry per key, however many requests');
  await admin.activity.flush();
  t.equal(admin.store.getKey(key.id)?.lastUsedAt, start + 2000, 'the latest request time');

  const res = await call(admin.baseUrl, 'GET', PATH, { headers: key.headers });
  const listed = res.json.apiKeys.find((k: { id: string }) => k.id === key.id);
  t.equal(listed.lastUsedAt, new Date(start + 2000).toISOString(), 'shown in listings as ISO 8601');
});

t.test('last-used times only move forward', async (t) => {
  const admin = await startAdmin(t);
  const key = createTestKey(admin.store, { org: 'acme' });
  admin.store.recordActivity({ lastUsed: new Map([[key.id, 5000]]), usage: [] });
  admin.store.recordActivity({ lastUsed: new Map([[key.id, 4000]]), usage: [] });
  t.equal(admin.store.getKey(key.id)?.lastUsedAt, 5000);
  admin.store.recordActivity({
    lastUsed: new Map([
      [key.id, 6000],
      ['00000000-0000-4000-8000-000000000000', 1],
    ]),
    usage: [],
  });
  t.equal(admin.store.getKey(key.id)?.lastUsedAt, 6000, 'unknown ids in a batch are ignored');
});

t.test('a last-used write does not move the change sequence', async (t) => {
  const admin = await startAdmin(t);
  const key = createTestKey(admin.store, { org: 'acme' });
  const seq = admin.store.currentSeq();
  admin.store.recordActivity({ lastUsed: new Map([[key.id, 5000]]), usage: [] });
  t.equal(admin.store.currentSeq(), seq);
  t.equal(admin.store.changesSince(seq, 10).length, 0);
});

t.test('an authorized call counts as used; a forbidden one and a failed authentication do not', async (t) => {
  const admin = await startAdmin(t);
  const reader = createTestKey(admin.store, { org: 'acme', scopes: ['read'] });
  const forbidden = createTestKey(admin.store, { org: 'acme', scopes: ['read'] });
  const revoked = createTestKey(admin.store, { org: 'acme' });
  admin.store.revokeKey(revoked.id);
  t.equal((await call(admin.baseUrl, 'GET', PATH, { headers: reader.headers })).status, 200);
  t.equal((await call(admin.baseUrl, 'POST', PATH, { headers: forbidden.headers, body: { name: 'x' } })).status, 403);
  t.equal((await call(admin.baseUrl, 'GET', PATH, { headers: revoked.headers })).status, 401);
  await admin.activity.flush();
  t.equal(admin.store.getKey(reader.id)?.lastUsedAt, admin.clock.now(), 'authorized: used');
  t.equal(admin.store.getKey(forbidden.id)?.lastUsedAt, null, 'refused by authorization (403): not a use, as at the gateway');
  t.equal(admin.store.getKey(revoked.id)?.lastUsedAt, null, 'failed authentication (401): not a use');
});
