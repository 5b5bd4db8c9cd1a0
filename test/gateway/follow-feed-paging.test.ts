// A replica bootstrapping over several pages of the change feed: each next
// page is asked for from the previous page's x-bullseye-next-since header,
// before that page is applied; nothing is skipped or applied twice.
import t from 'tap';
import { systemClock } from '../../core/clock.js';
import { hashKey } from '../../core/keys.js';
import { followFeed } from '../../gateway/replica/follow-feed.js';
import { KeyReplica } from '../../gateway/replica/key-replica.js';
import { startAdmin, startSync } from '../helpers/admin.js';
import { createTestKey } from '../helpers/keys.js';
import { captureLogs } from '../helpers/log-capture.js';

t.test('a snapshot of several pages loads every key once, then revocations follow', async (t) => {
  const admin = await startAdmin(t);
  const sync = await startSync(t, admin.store);
  const keys = Array.from({ length: 7 }, (_, i) => createTestKey(admin.store, { org: `org-${i}` }));
  admin.store.revokeKey(keys[1]!.id); // seq 8: key 1 appears once, as revoked, in the last page
  const replica = new KeyReplica();
  const feed = followFeed({
    syncUrl: sync.baseUrl,
    token: sync.token,
    replica,
    clock: systemClock,
    logger: captureLogs().logger,
    pollWaitMs: 5_000,
    staleAfterMs: 60_000,
    pageSize: 2,
  });
  t.teardown(() => feed.close());
  await feed.ready;
  t.equal(replica.size, 7, 'every key, once');
  t.equal(replica.seq, 8);
  t.equal(replica.findByHash(hashKey(keys[1]!.plainKey))?.status, 'revoked');
  t.equal(replica.findByHash(hashKey(keys[6]!.plainKey))?.status, 'active');

  admin.store.revokeKey(keys[6]!.id);
  await replica.reached(9);
  t.equal(replica.findByHash(hashKey(keys[6]!.plainKey))?.status, 'revoked', 'then the long poll brings the next change');
});
