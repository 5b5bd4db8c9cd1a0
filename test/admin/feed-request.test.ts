// Pure parsing of change feed queries and last-used batches, table-driven.
import t from 'tap';
import { parseChangesQuery, parseLastUsedBody } from '../../admin/sync/feed-request.js';

t.test('changes queries', async (t) => {
  const good: Array<[string, object]> = [
    ['', { since: 0, limit: 1000, waitMs: 0 }],
    ['?since=42', { since: 42, limit: 1000, waitMs: 0 }],
    ['?limit=1&waitMs=30000&since=0', { since: 0, limit: 1, waitMs: 30000 }],
    ['?limit=5000', { since: 0, limit: 5000, waitMs: 0 }],
  ];
  for (const [query, value] of good) t.same(parseChangesQuery(query), { ok: true, value }, query);
  for (const query of [
    '?since=-1',
    '?since=1e3',
    '?since=0x1',
    '?since=+1',
    '?since= 1',
    '?limit=0',
    '?limit=5001',
    '?waitMs=30001',
    '?since=1&since=1',
    '?foo=1',
    '?since',
    '?since=18446744073709551616',
  ]) {
    t.equal(parseChangesQuery(query).ok, false, query);
  }
});

t.test('last-used bodies', async (t) => {
  const id = '0b9f7c0e-1f0a-4b9e-9c53-1d1b9b0b8a11';
  const parsed = parseLastUsedBody({ lastUsed: { [id]: 5, [id.toUpperCase()]: 3 } });
  t.ok(parsed.ok);
  if (parsed.ok) t.same([...parsed.value], [[id, 5]], 'ids normalized, latest time kept');
  for (const body of [
    null,
    [],
    {},
    { lastUsed: null },
    { lastUsed: [] },
    { lastUsed: {}, x: 1 },
    { lastUsed: { x: 1 } },
    { lastUsed: { [id]: -1 } },
    { lastUsed: { [id]: 0.5 } },
    { lastUsed: { [id]: '1' } },
    { lastUsed: { [id]: 2 ** 53 } },
  ]) {
    t.equal(parseLastUsedBody(body).ok, false, JSON.stringify(body));
  }
});
