// The internal change feed: bearer-token auth, paging by sequence number,
// strict parameters, revocations replicated as new versions of a record.
import t from 'tap';
import { startAdmin, startSync } from '../helpers/admin.js';
import { call } from '../helpers/http.js';
import { createTestKey } from '../helpers/keys.js';

const CHANGES = '/internal/v1/keys/changes';

t.test('every request needs the bearer token', async (t) => {
  const admin = await startAdmin(t);
  const sync = await startSync(t, admin.store);
  for (const [label, headers] of [
    ['no Authorization', {}],
    ['a wrong token', { authorization: 'Bearer wrong-token-0123456789abcdef' }],
    ['a token of another length', { authorization: 'Bearer x' }],
    ['the token with one character more', { authorization: `Bearer ${sync.token}x` }],
    ['the token as Basic', { authorization: `Basic ${sync.token}` }],
    ['the token bare', { authorization: sync.token }],
  ] as Array<[string, Record<string, string>]>) {
    for (const [method, path] of [
      ['GET', CHANGES],
      ['POST', '/internal/v1/keys/last-used'],
      ['GET', '/nowhere'],
    ]) {
      const res = await call(sync.baseUrl, method as string, path as string, { headers });
      t.equal(res.status, 401, `${label}: ${method} ${path}`);
      t.equal(res.json.code, 'invalid_key');
      t.equal(res.headers['www-authenticate'], 'Bearer');
    }
  }
  const ok = await call(sync.baseUrl, 'GET', CHANGES, { headers: { authorization: `bearer ${sync.token}` } });
  t.equal(ok.status, 200, 'the scheme is case-insensitive');
});

t.test('the public admin listener does not serve the feed', async (t) => {
  const admin = await startAdmin(t);
  const sync = await startSync(t, admin.store);
  const res = await call(admin.baseUrl, 'GET', CHANGES, { headers: sync.auth });
  t.equal(res.status, 404);
  t.equal(res.json.code, 'route_not_found');
});

t.test('a snapshot in pages, then revocations as newer records', async (t) => {
  const admin = await startAdmin(t);
  const sync = await startSync(t, admin.store);
  const keys = [
    createTestKey(admin.store, { org: 'acme', scopes: ['read'] }),
    createTestKey(admin.store, { org: 'acme', expiresAt: Date.UTC(2027, 0, 1) }),
    createTestKey(admin.store, { partner: 'p-1' }),
    createTestKey(admin.store, { org: 'globex' }),
    createTestKey(admin.store, { partner: 'p-2' }),
  ];
  const seen: Array<{ id: string; seq: number }> = [];
  let since = 0;
  let pages = 0;
  for (;;) {
    const res = await call(sync.baseUrl, 'GET', `${CHANGES}?since=${since}&limit=2`, { headers: sync.auth });
    t.equal(res.status, 200);
    pages += 1;
    seen.push(...res.json.records);
    const nextSince = res.json.hasMore ? String(res.json.nextSince) : undefined;
    t.equal(res.headers['x-bullseye-next-since'], nextSince, "the next page's since, in a header, while there is more");
    t.equal(res.json.latestSeq, 5);
    since = res.json.nextSince;
    if (!res.json.hasMore) break;
  }
  t.equal(pages, 3, '5 records in pages of 2');
  t.same(
    seen.map((r) => r.id),
    keys.map((k) => k.id),
    'every key once, in sequence order',
  );
  t.same(
    seen.map((r) => r.seq),
    [1, 2, 3, 4, 5],
  );
  t.same(
    seen[1],
    {
      id: keys[1]!.id,
      family: 'org',
      ownerId: 'acme',
      hash: admin.store.changesSince(1, 1)[0]!.hash,
      scopes: ['read', 'write', 'admin'],
      status: 'active',
      expiresAt: Date.UTC(2027, 0, 1),
      seq: 2,
      allowedIps: null,
      rateLimits: null,
      quota: null,
    },
    'records are KeyAuthRecords',
  );
  t.same(Object.keys(seen[2]!).sort(), [
    'allowedIps',
    'expiresAt',
    'family',
    'hash',
    'id',
    'ownerId',
    'quota',
    'rateLimits',
    'scopes',
    'seq',
    'status',
  ]);

  admin.store.revokeKey(keys[0]!.id);
  const after = await call(sync.baseUrl, 'GET', `${CHANGES}?since=${since}`, { headers: sync.auth });
  t.same(
    after.json.records.map((r: { id: string; status: string; seq: number }) => [r.id, r.status, r.seq]),
    [[keys[0]!.id, 'revoked', 6]],
  );
  t.same(
    { nextSince: after.json.nextSince, latestSeq: after.json.latestSeq, hasMore: after.json.hasMore },
    {
      nextSince: 6,
      latestSeq: 6,
      hasMore: false,
    },
  );

  const idle = await call(sync.baseUrl, 'GET', `${CHANGES}?since=6`, { headers: sync.auth });
  t.same(idle.json, { records: [], nextSince: 6, latestSeq: 6, hasMore: false }, 'nothing new, no wait');
});

t.test('bad parameters are 400 invalid_parameter', async (t) => {
  const admin = await startAdmin(t);
  const sync = await startSync(t, admin.store);
  for (const query of [
    'since=-1',
    'since=abc',
    'since=1.5',
    'since=01',
    'since=',
    'limit=0',
    'limit=5001',
    'waitMs=30001',
    'since=1&since=2',
    'cursor=1',
    'since=99999999999999999',
  ]) {
    const res = await call(sync.baseUrl, 'GET', `${CHANGES}?${query}`, { headers: sync.auth });
    t.equal(res.status, 400, query);
    t.equal(res.json.code, 'invalid_parameter', query);
  }
  const edge = await call(sync.baseUrl, 'GET', `${CHANGES}?since=0&limit=5000&waitMs=0`, { headers: sync.auth });
  t.equal(edge.status, 200, 'the limits themselves are accepted');
});
