// Split mode: a gateway whose key replica follows the admin's change feed.
// Bootstrap, revocation through the admin API, admin outage (keeps serving,
// reports stale) and catch-up when the admin returns.
import { join } from 'node:path';
import t from 'tap';
import { openStore } from '../../admin/store/key-store.js';
import { systemClock } from '../../core/clock.js';
import { call } from '../helpers/http.js';
import { createTestKey } from '../helpers/keys.js';
import { captureLogs } from '../helpers/log-capture.js';
import { STALE_AFTER_MS, startSplitAdmin, startSplitGateway, startUpstream, tempDir } from '../helpers/split.js';

const VISITORS = '/api/v1/organization/acme/visitors';

t.test('a split gateway bootstraps, follows revocations, survives an admin outage and catches up', async (t) => {
  const dbPath = join(tempDir(t, 'bullseye-split-db'), 'bullseye.db');
  const admin = await startSplitAdmin(t, dbPath);
  const upstream = await startUpstream(t);
  const owner = createTestKey(admin.plane.store, { org: 'acme', scopes: ['admin'] });
  const reader = createTestKey(admin.plane.store, { org: 'acme', scopes: ['read'] });

  const gateway = await startSplitGateway(t, admin.syncUrl, upstream);
  await gateway.feed.ready;
  t.equal(gateway.replica.size, 2, 'the snapshot holds both keys');
  t.equal((await call(gateway.opsUrl, 'GET', '/readyz')).status, 200, 'ready once loaded');
  t.equal((await call(gateway.url, 'GET', VISITORS, { headers: reader.headers })).status, 200);

  t.test('a revocation through the admin API reaches the gateway', async (t) => {
    const revoked = await call(admin.adminUrl, 'DELETE', `/api/v1/organization/acme/api-keys/${reader.id}`, {
      headers: owner.headers,
    });
    t.equal(revoked.status, 204);
    await gateway.replica.reached(admin.plane.store.currentSeq());
    const refused = await call(gateway.url, 'GET', VISITORS, { headers: reader.headers });
    t.equal(refused.status, 401);
    t.equal(refused.json.code, 'key_revoked');
  });

  t.test('with the admin down the gateway keeps serving, then reports stale', async (t) => {
    const syncPort = admin.plane.syncPort!;
    await admin.plane.close();
    t.equal((await call(gateway.url, 'GET', VISITORS, { headers: owner.headers })).status, 200, 'still serving');
    gateway.feedClock.advance(STALE_AFTER_MS + 1);
    const stale = await call(gateway.opsUrl, 'GET', '/readyz');
    t.equal(stale.status, 503);
    t.equal(stale.json.checks.replicaStale, true);

    // Meanwhile a key is created straight in the database (as the CLI would), then the admin returns.
    const store = openStore({ path: dbPath, clock: systemClock, logger: captureLogs().logger });
    const late = createTestKey(store, { org: 'acme', scopes: ['read'] });
    const latestSeq = store.currentSeq();
    store.close();
    const back = await startSplitAdmin(t, dbPath, syncPort);
    await gateway.replica.reached(latestSeq);
    t.equal((await call(gateway.url, 'GET', VISITORS, { headers: late.headers })).status, 200, 'caught up');
    t.equal((await call(gateway.opsUrl, 'GET', '/readyz')).status, 200, 'fresh again');
    t.match(gateway.logs.text(), /change feed unreachable/);
    t.match(gateway.logs.text(), /change feed reachable again/);
    await back.plane.close();
  });
});

t.test('the change feed refuses a wrong token and is not on the public listener', async (t) => {
  const dbPath = join(tempDir(t, 'bullseye-split-db'), 'bullseye.db');
  const admin = await startSplitAdmin(t, dbPath);
  const refused = await call(admin.syncUrl, 'GET', '/internal/v1/keys/changes?since=0', {
    headers: { authorization: 'Bearer wrong-token-wrong-token' },
  });
  t.equal(refused.status, 401);
  t.equal((await call(admin.adminUrl, 'GET', '/internal/v1/keys/changes?since=0')).status, 404, 'not on the public listener');
});
