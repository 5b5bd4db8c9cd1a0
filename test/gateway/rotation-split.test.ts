// Rotation in split mode: the admin API rotates a key and every gateway
// following the change feed knows both keys at once; the rotated key keeps
// working until its grace ends, then is 401 key_expired everywhere; a grace
// of 0 revokes it everywhere at once. One manual clock is the admin's and the
// gateways' (expiry is decided by it), so the grace ends when the test says.
import { join } from 'node:path';
import t from 'tap';
import { createManualClock } from '../../core/clock.js';
import { call } from '../helpers/http.js';
import { createTestKey } from '../helpers/keys.js';
import { startSplitAdmin, startSplitGateway, startUpstream, tempDir } from '../helpers/split.js';

const VISITORS = '/api/v1/organization/acme/visitors';
const KEYS = '/api/v1/organization/acme/api-keys';

t.test('a rotated key and its successor at two gateways: grace, expiry, grace 0', async (t) => {
  const clock = createManualClock(Date.UTC(2026, 0, 1));
  const admin = await startSplitAdmin(t, join(tempDir(t, 'bullseye-split-db'), 'bullseye.db'), 0, clock);
  const upstream = await startUpstream(t);
  const owner = createTestKey(admin.plane.store, { org: 'acme', scopes: ['admin'] });
  const ci = createTestKey(admin.plane.store, { org: 'acme', scopes: ['read'] });
  const gateways = [await startSplitGateway(t, admin.syncUrl, upstream, clock), await startSplitGateway(t, admin.syncUrl, upstream, clock)];
  await Promise.all(gateways.map((gateway) => gateway.feed.ready));
  const caughtUp = () => Promise.all(gateways.map((gateway) => gateway.replica.reached(admin.plane.store.currentSeq())));
  const statusesOf = async (plainKey: string) =>
    Promise.all(
      gateways.map(async (gateway) => {
        const res = await call(gateway.url, 'GET', VISITORS, { headers: { 'x-api-key': plainKey } });
        return res.status === 200 ? 200 : `${res.status} ${res.json?.code}`;
      }),
    );
  const rotate = async (keyId: string, gracePeriodSeconds: number) => {
    const res = await call(admin.adminUrl, 'POST', `${KEYS}/${keyId}/rotate`, { headers: owner.headers, body: { gracePeriodSeconds } });
    t.equal(res.status, 201, `rotate with grace ${gracePeriodSeconds}`);
    await caughtUp();
    return res.json as { apiKey: { id: string }; plainKey: string };
  };

  const successor = await rotate(ci.id, 3600);
  t.same(await statusesOf(successor.plainKey), [200, 200], 'the successor works at every gateway at once');
  t.same(await statusesOf(ci.plainKey), [200, 200], 'the rotated key still works during the grace');

  clock.advance(3600 * 1000 - 1);
  t.same(await statusesOf(ci.plainKey), [200, 200], 'up to the last millisecond of the grace');
  clock.advance(1);
  t.same(await statusesOf(ci.plainKey), ['401 key_expired', '401 key_expired'], 'then expired everywhere');
  t.same(await statusesOf(successor.plainKey), [200, 200], 'the successor goes on');

  const third = await rotate(successor.apiKey.id, 0);
  t.same(await statusesOf(successor.plainKey), ['401 key_revoked', '401 key_revoked'], 'grace 0: revoked everywhere at once');
  t.same(await statusesOf(third.plainKey), [200, 200]);
});
