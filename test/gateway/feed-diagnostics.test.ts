// Split-mode misconfiguration says what to fix: the gateway logs the feed URL
// it follows (never the token); a 404 says the URL must be the admin's sync
// listener, not its API; a 401 says the SYNC_TOKEN does not match. Real admin
// API and sync listeners on port 0.
import t from 'tap';
import { CHANGES_PATH } from '../../core/change-feed.js';
import { systemClock } from '../../core/clock.js';
import { followFeed } from '../../gateway/replica/follow-feed.js';
import { KeyReplica } from '../../gateway/replica/key-replica.js';
import { startAdmin, startSync } from '../helpers/admin.js';
import { captureLogs } from '../helpers/log-capture.js';

t.test('split-mode feed diagnostics', async (t) => {
  const admin = await startAdmin(t);
  const sync = await startSync(t, admin.store);

  const follow = (syncUrl: string, token: string) => {
    const logs = captureLogs('info');
    const feed = followFeed({
      syncUrl,
      token,
      replica: new KeyReplica(),
      clock: systemClock,
      logger: logs.logger,
      pollWaitMs: 5_000,
      staleAfterMs: 60_000,
    });
    t.teardown(() => feed.close());
    return logs;
  };
  const failure = (logs: ReturnType<typeof captureLogs>) =>
    logs.entry((entry) => entry.msg === 'change feed unreachable; serving from the last replica');

  t.test('pointed at the admin API instead of the sync listener', async (t) => {
    const logs = follow(admin.baseUrl, sync.token);
    const entry = await failure(logs);
    t.match(String(entry.err), /answered 404 .*must be the admin's sync listener \(its SYNC_PORT, default 8082\), not its API port/);
  });

  t.test('the wrong token', async (t) => {
    const wrong = 'x'.repeat(sync.token.length);
    const logs = follow(sync.baseUrl, wrong);
    const entry = await failure(logs);
    t.match(String(entry.err), /answered 401: SYNC_TOKEN does not match the admin's/);
    t.notOk(logs.text().includes(wrong), 'the token is never logged');
  });

  t.test('the feed URL it follows is logged, without the token', async (t) => {
    const logs = follow(sync.baseUrl, sync.token);
    const entry = await logs.entry((e) => e.msg === 'following the admin change feed');
    t.equal(entry.feed, `${sync.baseUrl}${CHANGES_PATH}`);
    await logs.entry((e) => e.msg === 'key replica loaded from the change feed');
    t.notOk(logs.text().includes(sync.token), 'the token is never logged');
  });
});
