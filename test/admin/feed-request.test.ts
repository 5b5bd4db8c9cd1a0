// Pure parsing of change feed queries and last-used batches, table-driven.
import t from 'tap';
import { parseActivityBody, parseChangesQuery } from '../../admin/sync/feed-request.js';

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

t.test('activity bodies: last-used times', async (t) => {
  const id = '0b9f7c0e-1f0a-4b9e-9c53-1d1b9b0b8a11';
  const parsed = parseActivityBody({ lastUsed: { [id]: 5, [id.toUpperCase()]: 3 } });
  t.ok(parsed.ok);
  if (parsed.ok) {
    t.same([...parsed.value.lastUsed], [[id, 5]], 'ids normalized, latest time kept');
    t.same(parsed.value.usage, [], 'no usage member (a gateway before usage counting): no rows');
  }
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
    t.equal(parseActivityBody(body).ok, false, JSON.stringify(body));
  }
});

t.test('activity bodies: hourly usage rows', async (t) => {
  const id = '0b9f7c0e-1f0a-4b9e-9c53-1d1b9b0b8a11';
  const hour = 3_600_000 * 490_000;
  const row = { keyId: id.toUpperCase(), hourStart: hour, success: 3, rateLimited: 2, clientErrors: 1, serverErrors: 0 };
  const parsed = parseActivityBody({ lastUsed: {}, usage: [row, { ...row, success: 1 }] });
  t.ok(parsed.ok);
  if (parsed.ok) {
    t.same(
      parsed.value.usage,
      [
        { keyId: id, hourStartMs: hour, success: 3, rateLimited: 2, clientErrors: 1, serverErrors: 0 },
        { keyId: id, hourStartMs: hour, success: 1, rateLimited: 2, clientErrors: 1, serverErrors: 0 },
      ],
      'ids normalized; rows of the same hour kept apart (the store adds them)',
    );
  }
  const bad: unknown[] = [
    { lastUsed: {}, usage: {} },
    { lastUsed: {}, usage: [null] },
    { lastUsed: {}, usage: [{ ...row, keyId: 'x' }] },
    { lastUsed: {}, usage: [{ ...row, keyId: 7 }] },
    { lastUsed: {}, usage: [{ ...row, hourStart: hour + 1 }] },
    { lastUsed: {}, usage: [{ ...row, hourStart: -3_600_000 }] },
    { lastUsed: {}, usage: [{ ...row, success: -1 }] },
    { lastUsed: {}, usage: [{ ...row, rateLimited: 1.5 }] },
    { lastUsed: {}, usage: [{ ...row, serverErrors: '1' }] },
    { lastUsed: {}, usage: [{ ...row, extra: 1 }] },
    { lastUsed: {}, usage: [{ keyId: id, hourStart: hour, success: 1 }] },
  ];
  for (const body of bad) t.equal(parseActivityBody(body).ok, false, JSON.stringify(body));
});
