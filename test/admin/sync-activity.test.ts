// POST /internal/v1/keys/last-used: gateways' activity batches reach the
// store: last-used times only forward in time, hourly usage counts added to
// what earlier batches (other gateways) brought; malformed batches are 400
// and change nothing, not even their valid part.
import t from 'tap';
import { HOUR_MS } from '../../core/key-activity.js';
import { startAdmin, startSync } from '../helpers/admin.js';
import { call } from '../helpers/http.js';
import { createTestKey } from '../helpers/keys.js';

const PATH = '/internal/v1/keys/last-used';

t.test('a batch moves lastUsedAt forward', async (t) => {
  const admin = await startAdmin(t);
  const sync = await startSync(t, admin.store);
  const a = createTestKey(admin.store, { org: 'acme' });
  const b = createTestKey(admin.store, { partner: 'p-1' });
  const seq = admin.store.currentSeq();
  const res = await call(sync.baseUrl, 'POST', PATH, {
    headers: sync.auth,
    body: { lastUsed: { [a.id]: 5000, [b.id.toUpperCase()]: 7000, '00000000-0000-4000-8000-000000000000': 1 } },
  });
  t.equal(res.status, 204);
  t.equal(res.text, '');
  t.equal(admin.store.getKey(a.id)?.lastUsedAt, 5000);
  t.equal(admin.store.getKey(b.id)?.lastUsedAt, 7000);
  await call(sync.baseUrl, 'POST', PATH, { headers: sync.auth, body: { lastUsed: { [a.id]: 4000 } } });
  t.equal(admin.store.getKey(a.id)?.lastUsedAt, 5000, 'never backwards');
  t.equal(admin.store.currentSeq(), seq, 'no change sequence bump');
  const empty = await call(sync.baseUrl, 'POST', PATH, { headers: sync.auth, body: { lastUsed: {} } });
  t.equal(empty.status, 204);
});

t.test('usage rows are added to the hour they name, across batches; unknown keys are skipped', async (t) => {
  const admin = await startAdmin(t);
  const sync = await startSync(t, admin.store);
  const key = createTestKey(admin.store, { org: 'acme' });
  const hour = 490_000 * HOUR_MS;
  const row = { keyId: key.id, hourStart: hour, success: 5, rateLimited: 1, clientErrors: 2, serverErrors: 0 };
  const unknown = { ...row, keyId: '00000000-0000-4000-8000-000000000000' };
  for (const body of [
    { lastUsed: {}, usage: [row, unknown] },
    {
      lastUsed: { [key.id]: hour + 5 },
      usage: [
        { ...row, success: 1, serverErrors: 3 },
        { ...row, hourStart: hour + HOUR_MS },
      ],
    },
  ]) {
    t.equal((await call(sync.baseUrl, 'POST', PATH, { headers: sync.auth, body })).status, 204);
  }
  t.same(admin.store.usageOf(key.id, hour, hour + 2 * HOUR_MS), [
    { keyId: key.id, hourStartMs: hour, success: 6, rateLimited: 2, clientErrors: 4, serverErrors: 3 },
    { keyId: key.id, hourStartMs: hour + HOUR_MS, success: 5, rateLimited: 1, clientErrors: 2, serverErrors: 0 },
  ]);
  t.same(admin.store.usageOf(unknown.keyId, 0, hour + 2 * HOUR_MS), [], 'no row for a key the store does not hold');
  t.equal(admin.store.getKey(key.id)?.lastUsedAt, hour + 5);
});

t.test('malformed batches are refused and change nothing', async (t) => {
  const admin = await startAdmin(t);
  const sync = await startSync(t, admin.store);
  const key = createTestKey(admin.store, { org: 'acme' });
  const before = admin.snapshot();
  const cases: Array<[string, unknown, number, string, Record<string, string>?]> = [
    ['not JSON', '{"lastUsed":', 400, 'invalid_json', { 'content-type': 'application/json' }],
    ['an array', [], 400, 'invalid_body'],
    ['no lastUsed', {}, 400, 'invalid_body'],
    ['an extra field', { lastUsed: {}, more: 1 }, 400, 'invalid_body'],
    ['lastUsed as a list', { lastUsed: [[key.id, 1]] }, 400, 'invalid_body'],
    ['a non-UUID id', { lastUsed: { 'key-1': 1 } }, 400, 'invalid_body'],
    ['a negative time', { lastUsed: { [key.id]: -1 } }, 400, 'invalid_body'],
    ['a fractional time', { lastUsed: { [key.id]: 1.5 } }, 400, 'invalid_body'],
    ['a string time', { lastUsed: { [key.id]: '2026-01-01T00:00:00Z' } }, 400, 'invalid_body'],
    ['usage not a list', { lastUsed: {}, usage: {} }, 400, 'invalid_body'],
    [
      'a valid time with a bad usage row',
      { lastUsed: { [key.id]: 9 }, usage: [{ keyId: key.id, hourStart: 1, success: 1, rateLimited: 0, clientErrors: 0, serverErrors: 0 }] },
      400,
      'invalid_body',
    ],
    ['text/plain', 'x', 415, 'unsupported_media_type', { 'content-type': 'text/plain' }],
  ];
  for (const [label, body, status, code, headers] of cases) {
    const res = await call(sync.baseUrl, 'POST', PATH, { headers: { ...sync.auth, ...headers }, body });
    t.equal(res.status, status, label);
    t.equal(res.json.code, code, label);
  }
  t.equal(admin.snapshot(), before, 'database unchanged');
});
