// Split mode: a key's own rateLimits and quota, set through the admin API,
// reach two gateways following the change feed in their replica records (in
// the record's form), and clearing them (null) reaches both the same way.
import { join } from 'node:path';
import t from 'tap';
import { hashKey } from '../../core/keys.js';
import { call } from '../helpers/http.js';
import { createTestKey } from '../helpers/keys.js';
import { startSplitAdmin, startSplitGateway, startUpstream, tempDir } from '../helpers/split.js';

const KEYS = '/api/v1/organization/acme/api-keys';

t.test("a key's limits reach both following gateways' replicas, and so does clearing them", async (t) => {
  const admin = await startSplitAdmin(t, join(tempDir(t, 'bullseye-split-db'), 'bullseye.db'));
  const upstream = await startUpstream(t);
  const owner = createTestKey(admin.plane.store, { org: 'acme', scopes: ['read', 'write', 'admin'] });
  const gateways = [await startSplitGateway(t, admin.syncUrl, upstream), await startSplitGateway(t, admin.syncUrl, upstream)];
  await Promise.all(gateways.map((gateway) => gateway.feed.ready));

  const created = await call(admin.adminUrl, 'POST', KEYS, {
    headers: owner.headers,
    body: {
      name: 'limited',
      rateLimits: [
        { limit: 100_000, duration: 86_400_000 },
        { limit: 5000, duration: 60_000 },
      ],
      quota: { limit: 1_000_000, period: 'month' },
    },
  });
  t.equal(created.status, 201);
  const hash = hashKey(created.json.plainKey as string);
  const reachAll = () => Promise.all(gateways.map((gateway) => gateway.replica.reached(admin.plane.store.currentSeq())));
  await reachAll();
  for (const [i, gateway] of gateways.entries()) {
    t.match(
      gateway.replica.findByHash(hash),
      {
        id: created.json.apiKey.id,
        rateLimits: [
          { requests: 5000, perMs: 60_000 },
          { requests: 100_000, perMs: 86_400_000 },
        ],
        quota: { limit: 1_000_000, period: 'month' },
      },
      `gateway ${i + 1} holds the key's own limits, shortest window first`,
    );
  }

  const cleared = await call(admin.adminUrl, 'PATCH', `${KEYS}/${created.json.apiKey.id as string}`, {
    headers: owner.headers,
    body: { rateLimits: null, quota: null },
  });
  t.equal(cleared.status, 200);
  await reachAll();
  for (const [i, gateway] of gateways.entries()) {
    t.match(gateway.replica.findByHash(hash), { rateLimits: null, quota: null }, `gateway ${i + 1}: the policy defaults again`);
  }
});
