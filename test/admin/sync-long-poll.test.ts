// Long-polling the change feed: a held request is answered as soon as a key
// changes (in this process, or committed by another connection such as the
// CLI), or empty when waitMs passes; a client that leaves is forgotten, and
// closing the listener answers held polls at once.
import t from 'tap';
import type { ChangeListener } from '../../admin/store/change-notifier.js';
import { openStore, type KeyStore } from '../../admin/store/key-store.js';
import { startAdmin, startSync } from '../helpers/admin.js';
import { call } from '../helpers/http.js';
import { createTestKey } from '../helpers/keys.js';
import { captureLogs } from '../helpers/log-capture.js';

const CHANGES = '/internal/v1/keys/changes';

/** Run `write` once the sync server has taken the next request (and so subscribed). */
function onNextRequest(server: import('node:http').Server, write: () => void): void {
  server.once('request', () => setImmediate(write));
}

t.test('a write in this process wakes a held poll', async (t) => {
  const admin = await startAdmin(t);
  const sync = await startSync(t, admin.store);
  const since = admin.store.currentSeq();
  let created = '';
  onNextRequest(sync.server.server, () => (created = createTestKey(admin.store, { org: 'acme' }).id));
  const res = await call(sync.baseUrl, 'GET', `${CHANGES}?since=${since}&waitMs=30000`, { headers: sync.auth });
  t.equal(res.status, 200);
  t.same(
    res.json.records.map((r: { id: string }) => r.id),
    [created],
  );
  t.equal(res.json.nextSince, since + 1);
});

t.test('a revocation committed by another connection wakes a held poll', async (t) => {
  const admin = await startAdmin(t);
  const sync = await startSync(t, admin.store);
  const victim = createTestKey(admin.store, { org: 'acme' });
  const since = admin.store.currentSeq();
  // A second connection to the same file, as `bullseye-gateway keys revoke` in another process would open.
  const other = openStore({ path: admin.dbPath, clock: admin.clock, logger: captureLogs().logger });
  t.teardown(() => other.close());
  onNextRequest(sync.server.server, () => other.revokeKey(victim.id));
  const res = await call(sync.baseUrl, 'GET', `${CHANGES}?since=${since}&waitMs=30000`, { headers: sync.auth });
  t.equal(res.status, 200);
  t.same(
    res.json.records.map((r: { id: string; status: string }) => [r.id, r.status]),
    [[victim.id, 'revoked']],
  );
});

t.test('no change within waitMs: an empty answer', async (t) => {
  const admin = await startAdmin(t);
  const sync = await startSync(t, admin.store);
  createTestKey(admin.store, { org: 'acme' });
  const res = await call(sync.baseUrl, 'GET', `${CHANGES}?since=1&waitMs=20`, { headers: sync.auth });
  t.equal(res.status, 200);
  t.same(res.json, { records: [], nextSince: 1, latestSeq: 1, hasMore: false });
});

t.test('pending records are answered at once, without waiting', async (t) => {
  const admin = await startAdmin(t);
  const sync = await startSync(t, admin.store);
  const key = createTestKey(admin.store, { org: 'acme' });
  const res = await call(sync.baseUrl, 'GET', `${CHANGES}?since=0&waitMs=30000`, { headers: sync.auth });
  t.same(
    res.json.records.map((r: { id: string }) => r.id),
    [key.id],
  );
});

/** The real store, with its change subscriptions counted. */
function countingStore(store: KeyStore) {
  let active = 0;
  let onIdle: (() => void) | undefined;
  const counted: KeyStore = {
    ...store,
    onChange(listener: ChangeListener) {
      active += 1;
      const off = store.onChange(listener);
      return () => {
        active -= 1;
        off();
        if (active === 0) onIdle?.();
      };
    },
  };
  return { store: counted, active: () => active, idle: () => new Promise<void>((resolve) => (onIdle = resolve)) };
}

t.test('a client that disconnects is unsubscribed', async (t) => {
  const admin = await startAdmin(t);
  const counting = countingStore(admin.store);
  const sync = await startSync(t, counting.store);
  const controller = new AbortController();
  const idle = counting.idle();
  sync.server.server.once('request', () =>
    setImmediate(() => {
      t.equal(counting.active(), 1, 'the held poll listens for changes');
      controller.abort();
    }),
  );
  const { request } = await import('undici');
  await t.rejects(request(`${sync.baseUrl}${CHANGES}?since=0&waitMs=30000`, { headers: sync.auth, signal: controller.signal }));
  await idle;
  t.equal(counting.active(), 0, 'the listener is gone');
});

t.test('closing the listener answers held polls at once', async (t) => {
  const admin = await startAdmin(t);
  const sync = await startSync(t, admin.store);
  onNextRequest(sync.server.server, () => void sync.close());
  const res = await call(sync.baseUrl, 'GET', `${CHANGES}?since=0&waitMs=30000`, { headers: sync.auth });
  t.equal(res.status, 200);
  t.same(res.json.records, []);
  t.equal(res.headers.connection, 'close');
});
