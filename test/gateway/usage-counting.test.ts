// Usage counting at the gateway: every answered request of an authenticated
// key is counted once, per UTC hour, as success, rateLimited (the gateway's
// own 429), clientErrors (other 4xx, the gateway's or the upstream's) or
// serverErrors; requests without a key are nobody's. Counts reach SQLite as
// hourly rows with the activity batches, in process (`start`) and from split
// gateways over the change feed listener, added together across gateways.
import { join } from 'node:path';
import t from 'tap';
import { HOUR_MS, hourStartOf } from '../../core/key-activity.js';
import { startGatewayStack } from '../helpers/gateway.js';
import { call } from '../helpers/http.js';
import { createTestKey } from '../helpers/keys.js';
import { startSplitAdmin, startSplitGateway, startUpstream, tempDir } from '../helpers/split.js';

const VISITORS = '/api/v1/organization/acme/visitors';
const zero = { success: 0, rateLimited: 0, clientErrors: 0, serverErrors: 0 };

t.test('start mode: each outcome is counted for its key and hour, and only for it', async (t) => {
  const stack = await startGatewayStack(t);
  // The upstream answers with the status a test asks for in the query.
  stack.upstream.respond((req, res) => {
    res.statusCode = Number(new URL(req.url, 'http://upstream').searchParams.get('status') ?? 200);
    res.end();
  });
  const limited = stack.key({ org: 'acme', rateLimits: [{ requests: 3, perMs: 60_000 }] });
  const plain = stack.key({ org: 'acme' });
  const readOnly = stack.key({ org: 'acme', scopes: ['read'] });
  const get = (headers: Record<string, string>, query = '') => call(stack.gatewayUrl, 'GET', VISITORS + query, { headers });

  const statuses: number[] = [];
  for (let i = 0; i < 5; i += 1) statuses.push((await get(limited.headers)).status);
  t.same(statuses, [200, 200, 200, 429, 429], 'three admitted, then the key is over its limit');
  for (const status of [201, 304, 404, 429, 500, 503]) t.equal((await get(plain.headers, `?status=${status}`)).status, status);
  const refused = await call(stack.gatewayUrl, 'POST', '/api/v1/organization/acme/lists', { headers: readOnly.headers, body: {} });
  t.equal(refused.status, 403, 'the gateway refuses a scope the key lacks');
  // Nobody's: no key, a key that does not exist.
  t.equal((await get({})).status, 401);
  t.equal((await get({ 'x-api-key': `bsk_live_${'0'.repeat(32)}` })).status, 401);

  await stack.admin.activity.flush();
  const hour = hourStartOf(stack.admin.clock.now());
  const usage = (keyId: string) => stack.admin.store.usageOf(keyId, 0, hour + HOUR_MS);
  t.same(usage(limited.id), [{ keyId: limited.id, hourStartMs: hour, ...zero, success: 3, rateLimited: 2 }]);
  t.same(
    usage(plain.id),
    [{ keyId: plain.id, hourStartMs: hour, success: 2, rateLimited: 0, clientErrors: 2, serverErrors: 2 }],
    "the upstream's 429 is a client error",
  );
  t.same(usage(readOnly.id), [{ keyId: readOnly.id, hourStartMs: hour, ...zero, clientErrors: 1 }]);

  // The next hour is a row of its own; the earlier one is added to, not replaced, by a later batch.
  stack.admin.clock.advance(HOUR_MS);
  await get(plain.headers);
  await stack.admin.activity.flush();
  t.same(stack.admin.store.usageOf(plain.id, 0, hour + 2 * HOUR_MS), [
    { keyId: plain.id, hourStartMs: hour, success: 2, rateLimited: 0, clientErrors: 2, serverErrors: 2 },
    { keyId: plain.id, hourStartMs: hour + HOUR_MS, ...zero, success: 1 },
  ]);
});

t.test('split mode: two gateways post their counts with the activity batches; the admin adds them together', async (t) => {
  const admin = await startSplitAdmin(t, join(tempDir(t, 'bullseye-usage-db'), 'bullseye.db'));
  const upstream = await startUpstream(t);
  const key = createTestKey(admin.plane.store, { org: 'acme' });
  const gateways = [await startSplitGateway(t, admin.syncUrl, upstream), await startSplitGateway(t, admin.syncUrl, upstream)];
  await Promise.all(gateways.map((gateway) => gateway.feed.ready));
  for (const [i, gateway] of gateways.entries()) {
    for (let n = 0; n <= i; n += 1) t.equal((await call(gateway.url, 'GET', VISITORS, { headers: key.headers })).status, 200);
    t.equal((await call(gateway.url, 'GET', '/api/v1/organization/acme/agency/overview', { headers: key.headers })).status, 403);
  }
  // Closing a gateway delivers what it holds (as at shutdown).
  for (const gateway of gateways) await gateway.close();
  const rows = admin.plane.store.usageOf(key.id, 0, Date.now() + HOUR_MS);
  const total = rows.reduce((sum, row) => ({ success: sum.success + row.success, clientErrors: sum.clientErrors + row.clientErrors }), {
    success: 0,
    clientErrors: 0,
  });
  t.same(total, { success: 3, clientErrors: 2 }, 'one gateway counted 1 + 1, the other 2 + 1');
  t.ok(rows.length >= 1 && rows.length <= 2, 'one row per hour (two only if an hour turned during the test)');
  t.ok(admin.plane.store.getKey(key.id)?.lastUsedAt, 'the same batches carried the last-used time');
});
