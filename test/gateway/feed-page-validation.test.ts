// A change-feed page that does not parse is refused whole: logged, retried
// like a failed poll, and nothing of it applied, not even its good records.
// A real HTTP server stands in for the admin's feed, answering a good
// snapshot, then the malformed page, then a good page again.
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import { CHANGES_PATH } from '../../core/change-feed.js';
import { systemClock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import { followFeed } from '../../gateway/replica/follow-feed.js';
import { KeyReplica } from '../../gateway/replica/key-replica.js';
import { captureLogs } from '../helpers/log-capture.js';
import { keyRecord } from '../helpers/key-record.js';

interface TestLike {
  teardown(fn: () => void | Promise<void>): void;
}

const record = (seq: number, hashChar: string): Record<string, unknown> => ({
  ...keyRecord({ id: `00000000-0000-4000-8000-00000000000${seq}`, hash: hashChar.repeat(64), seq }),
});

const page = (records: unknown[], nextSince: number): Record<string, unknown> => ({
  records,
  nextSince,
  latestSeq: nextSince,
  hasMore: false,
});

/**
 * A feed that answers `bodies` in order, then holds every later poll until closed. Notes each
 * request's `since` and what `observe` says as it arrives (the follower's state when it asked).
 */
async function startScriptedFeed<T>(t: TestLike, bodies: unknown[], observe: () => T) {
  const requests: { since: number; seen: T }[] = [];
  const asked: (() => void)[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://feed');
    if (url.pathname !== CHANGES_PATH) {
      res.writeHead(404).end();
      return;
    }
    requests.push({ since: Number(url.searchParams.get('since')), seen: observe() });
    asked.splice(0).forEach((wake) => wake());
    const body = bodies.shift();
    if (body === undefined) return; // held: a long poll with nothing new
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.teardown(() => {
    server.closeAllConnections();
    server.close();
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    /** Resolves once the feed has been asked `count` times in all. */
    async askedTimes(count: number): Promise<void> {
      while (requests.length < count) await new Promise<void>((wake) => asked.push(wake));
    },
  };
}

const MALFORMED: [label: string, bad: unknown, problem: RegExp][] = [
  ['a field of the wrong type', { ...record(3, 'c'), seq: '3' }, /records\[1\] has an invalid "seq"/],
  ['scopes that are not scopes', { ...record(3, 'c'), scopes: ['read', 'root'] }, /records\[1\] has an invalid "scopes"/],
  ['a missing field', (({ hash: _hash, ...rest }) => rest)(record(3, 'c')), /records\[1\] lacks "hash"/],
  ['extra junk in a record', { ...record(3, 'c'), junk: true }, /records\[1\] has an unknown member "junk"/],
  ['a record that is not an object', 'c'.repeat(64), /records\[1\] is not an object/],
];

/** A follower of `url` that retries at once, as a gateway would (after backoff). */
function follow(url: string, replica: KeyReplica, logger: Logger): ReturnType<typeof followFeed> {
  return followFeed({
    syncUrl: url,
    token: 'test-token',
    replica,
    clock: systemClock,
    logger,
    pollWaitMs: 5_000,
    staleAfterMs: 60_000,
    maxBackoffMs: 10,
  });
}

for (const [label, bad, problem] of MALFORMED) {
  t.test(`a page with ${label} is refused, logged and not applied`, async (t) => {
    const good = record(1, 'a');
    const alongside = record(2, 'b'); // a good record in the bad page: refused with it
    const replica = new KeyReplica();
    const feed = await startScriptedFeed(t, [page([good], 1), page([alongside, bad], 3), page([alongside], 2)], () => ({
      status: replica.status(),
      alongside: replica.findByHash(alongside.hash as string),
    }));
    const logs = captureLogs('info');
    const follower = follow(feed.url, replica, logs.logger);
    t.teardown(() => follower.close());
    await follower.ready;
    t.same(replica.status(), { loaded: true, size: 1, seq: 1 }, 'the good snapshot is applied');

    const refused = await logs.entry((entry) => entry.msg === 'change feed page refused; serving from the last replica');
    t.match(String(refused.err), problem, 'the log names what is wrong');
    t.equal(refused.seq, 1);
    await feed.askedTimes(3);
    const retry = feed.requests[2];
    t.equal(retry?.since, 1, "the retry asks again from the replica's sequence");
    t.same(retry?.seen.status, { loaded: true, size: 1, seq: 1 }, 'nothing of the refused page was applied');
    t.equal(retry?.seen.alongside, undefined, 'not even its good record');
    t.equal(replica.findByHash(good.hash as string)?.id, good.id, 'the replica is as it was');

    await replica.reached(2);
    t.equal(replica.findByHash(alongside.hash as string)?.seq, 2, 'the next good page is applied');
    t.ok(Object.isFrozen(replica.findByHash(alongside.hash as string)), 'records are stored frozen');
  });
}

t.test('a page that is not a page is refused', async (t) => {
  for (const [label, body, problem] of [
    ['without hasMore', { records: [], nextSince: 1, latestSeq: 1 }, /exactly records, nextSince, latestSeq and hasMore/],
    ['with an extra member', { ...page([], 1), more: 1 }, /exactly records, nextSince, latestSeq and hasMore/],
    ['with records not an array', { ...page([], 1), records: {} }, /records is not an array/],
    ['with a negative nextSince', page([], -1), /nextSince is not a sequence number/],
    ['that is an array', [], /the body is not an object/],
  ] as [string, unknown, RegExp][]) {
    const replica = new KeyReplica();
    const feed = await startScriptedFeed(t, [body], () => replica.status());
    const logs = captureLogs('info');
    const follower = follow(feed.url, replica, logs.logger);
    const refused = await logs.entry((entry) => entry.msg === 'change feed page refused; serving from the last replica');
    t.match(String(refused.err), problem, label);
    await feed.askedTimes(2);
    t.equal(feed.requests[1]?.since, 0, `${label}: retried from the start`);
    t.same(feed.requests[1]?.seen, { loaded: false, size: 0, seq: 0 }, `${label}: not loaded from it`);
    t.equal(follower.stale(), true, `${label}: no sync succeeded`);
    await follower.close();
  }
});
