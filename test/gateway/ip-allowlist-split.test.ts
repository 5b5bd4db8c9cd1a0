// Split mode: an allowlist set on a key through the admin API (PATCH) reaches
// a gateway following the change feed, and that gateway enforces it; lifting
// it (null) reaches it the same way.
import { join } from 'node:path';
import t from 'tap';
import { call } from '../helpers/http.js';
import { createTestKey } from '../helpers/keys.js';
import { startSplitAdmin, startSplitGateway, startUpstream, tempDir } from '../helpers/split.js';

const VISITORS = '/api/v1/organization/acme/visitors';

t.test('an allowlist set at the admin is enforced at a split gateway', async (t) => {
  const admin = await startSplitAdmin(t, join(tempDir(t, 'bullseye-split-db'), 'bullseye.db'));
  const upstream = await startUpstream(t);
  const owner = createTestKey(admin.plane.store, { org: 'acme', scopes: ['admin'] });
  const reader = createTestKey(admin.plane.store, { org: 'acme', scopes: ['read'] });
  const gateway = await startSplitGateway(t, admin.syncUrl, upstream);
  await gateway.feed.ready;
  const visit = () => call(gateway.url, 'GET', VISITORS, { headers: reader.headers });
  const setAllowedIps = async (allowedIps: string[] | null) => {
    const updated = await call(admin.adminUrl, 'PATCH', `/api/v1/organization/acme/api-keys/${reader.id}`, {
      headers: owner.headers,
      body: { allowedIps },
    });
    t.equal(updated.status, 200, `PATCH allowedIps ${JSON.stringify(allowedIps)}`);
    await gateway.replica.reached(admin.plane.store.currentSeq());
  };

  t.equal((await visit()).status, 200, 'no list: served');

  await setAllowedIps(['10.0.0.0/8']);
  const before = upstream.received.length;
  const refused = await visit();
  t.equal(refused.status, 403);
  t.equal(refused.json?.code, 'ip_not_allowed');
  t.equal(upstream.received.length, before, 'the upstream saw nothing');

  await setAllowedIps(['10.0.0.0/8', '127.0.0.0/8']);
  t.equal((await visit()).status, 200, 'a list holding the client: served');

  await setAllowedIps(['192.0.2.1']);
  t.equal((await visit()).status, 403, 'a new list replaces the old one at once');

  await setAllowedIps(null);
  t.equal((await visit()).status, 200, 'null: any address again');
});
