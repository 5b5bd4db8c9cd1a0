// A key's own rateLimits and quota over the real admin (both families): set at
// create and by PATCH (null: the policy's again), shown on every key object,
// stored shortest window first, audited (key.created, key.updated with the new
// values); every bad value a 400 invalid_body naming each of its problems,
// changing neither the database nor the audit log; setting limits on a key
// holding a scope the caller lacks is 403 scope_escalation.
import t from 'tap';
import { startAdmin, type AdminHarness } from '../helpers/admin.js';
import { call, type CallResult } from '../helpers/http.js';
import { createTestKey, type TestKey } from '../helpers/keys.js';
import { expectMatchesSpec } from '../helpers/openapi.js';

type Tap = Parameters<typeof expectMatchesSpec>[0];

const BASES = { org: '/api/v1/organization/acme/api-keys', partner: '/api/v1/partner/api-keys' } as const;
const OWNERS = { org: { org: 'acme' }, partner: { partner: 'p-1' } } as const;

async function send(t: Tap, admin: AdminHarness, method: string, path: string, caller: TestKey, body?: unknown): Promise<CallResult> {
  const res = await call(admin.baseUrl, method, path, { headers: caller.headers, body });
  expectMatchesSpec(t, `${method} ${path}`, res);
  return res;
}

const unchanged = (admin: AdminHarness): unknown[] => [admin.snapshot(), admin.store.currentSeq()];
const lastEvent = (admin: AdminHarness) => admin.store.auditEvents({ limit: 1 })[0];

const DAY = 86_400_000;

for (const family of ['org', 'partner'] as const) {
  const base = BASES[family];

  t.test(`${family}: create, show, update, clear; stored shortest first, audited`, async (t) => {
    const admin = await startAdmin(t);
    const caller = createTestKey(admin.store, OWNERS[family]);
    const created = await send(t, admin, 'POST', base, caller, {
      name: 'limited',
      rateLimits: [
        { limit: 100_000, duration: DAY },
        { limit: 5000, duration: 60_000 },
      ],
      quota: { limit: 1_000_000, period: 'month' },
    });
    t.equal(created.status, 201);
    const { apiKey } = created.json;
    t.same(apiKey.rateLimits, [
      { limit: 5000, duration: 60_000 },
      { limit: 100_000, duration: DAY },
    ]);
    t.same(apiKey.quota, { limit: 1_000_000, period: 'month' });
    t.same(admin.store.getKey(apiKey.id)?.rateLimits, [
      { requests: 5000, perMs: 60_000 },
      { requests: 100_000, perMs: DAY },
    ]);
    t.same(admin.store.findByHash(admin.store.changesSince(0, 10).at(-1)!.hash)?.quota, { limit: 1_000_000, period: 'month' });
    t.match(lastEvent(admin), {
      action: 'key.created',
      keyId: apiKey.id,
      details: { rateLimits: apiKey.rateLimits, quota: { limit: 1_000_000, period: 'month' } },
    });

    const plain = await send(t, admin, 'POST', base, caller, { name: 'plain' });
    t.match(plain.json.apiKey, { rateLimits: null, quota: null }, 'absent: the policy defaults');
    t.equal(lastEvent(admin)?.details, null, 'a key without its own limits: no details, as before');

    const listed = await send(t, admin, 'GET', base, caller);
    t.same(
      listed.json.apiKeys.map((key: { rateLimits: unknown; quota: unknown }) => [key.rateLimits, key.quota]),
      [
        [null, null],
        [apiKey.rateLimits, apiKey.quota],
        [null, null],
      ],
      'every key object shows them',
    );

    const path = `${base}/${apiKey.id}`;
    const updated = await send(t, admin, 'PATCH', path, caller, { rateLimits: [{ limit: 10, duration: 1000 }], quota: null });
    t.equal(updated.status, 200);
    t.match(updated.json.apiKey, { rateLimits: [{ limit: 10, duration: 1000 }], quota: null });
    t.match(lastEvent(admin), {
      action: 'key.updated',
      details: { fields: ['rateLimits', 'quota'], rateLimits: [{ limit: 10, duration: 1000 }], quota: null },
    });

    const before = unchanged(admin);
    const same = await send(t, admin, 'PATCH', path, caller, { rateLimits: [{ limit: 10, duration: 1000 }], quota: null });
    t.equal(same.status, 200, 'the same values: 200');
    t.same(unchanged(admin), before, 'only differences are written and audited');

    const quotaOnly = await send(t, admin, 'PATCH', path, caller, { quota: { limit: 7, period: 'day' } });
    t.match(quotaOnly.json.apiKey, { rateLimits: [{ limit: 10, duration: 1000 }], quota: { limit: 7, period: 'day' } });
    t.same(lastEvent(admin)?.details, { fields: ['quota'], quota: { limit: 7, period: 'day' } }, 'only the changed limit is recorded');

    const cleared = await send(t, admin, 'PATCH', path, caller, { rateLimits: null, quota: null });
    t.match(cleared.json.apiKey, { rateLimits: null, quota: null }, 'null: the policy defaults again');

    const rotated = await send(
      t,
      admin,
      'POST',
      `${base}/${(await send(t, admin, 'POST', base, caller, { name: 'r', quota: { limit: 3, period: 'day' } })).json.apiKey.id}/rotate`,
      caller,
      {},
    );
    t.same(rotated.json.apiKey.quota, { limit: 3, period: 'day' }, 'a rotated key passes its limits to its successor');
  });
}

const W = (limit: unknown, duration: unknown) => ({ limit, duration });
// [label, member values, the detail]: each a 400 invalid_body, at create and at update alike.
const BAD: Array<[string, Record<string, unknown>, string]> = [
  ['not a list', { rateLimits: 5 }, 'rateLimits must be a list of {"limit", "duration"} windows, or null for the policy default'],
  ['an empty list', { rateLimits: [] }, 'rateLimits: must hold at least one window'],
  ['a window not an object', { rateLimits: ['5000/1m'] }, 'rateLimits[0] must be an object {"limit", "duration"}'],
  [
    'the policy form instead of the API form',
    { rateLimits: [{ requests: 5, per: 1000 }] },
    'rateLimits[0] has an unknown member "requests"; allowed: limit, duration; rateLimits[0] has an unknown member "per"; allowed: limit, duration; rateLimits[0].limit is required; rateLimits[0].duration is required',
  ],
  [
    'every bad window named at once',
    { rateLimits: [W(0, 1000), W(5, 999), W(1.5, 367 * 86_400_000), W('5', '1m')] },
    [
      'rateLimits[0].limit must be a positive whole number',
      'rateLimits[1].duration (milliseconds) must be from 1 s to 366 days',
      'rateLimits[2].limit must be a positive whole number',
      'rateLimits[2].duration (milliseconds) must be from 1 s to 366 days',
      'rateLimits[3].limit must be a positive whole number',
      'rateLimits[3].duration (milliseconds) must be from 1 s to 366 days',
    ].join('; '),
  ],
  [
    'the list rules, all at once',
    { rateLimits: [W(100, 60_000), W(200, 60_000), W(50, 86_400_000)] },
    'rateLimits: two windows of 1m; rateLimits: 50 per 1d allows fewer requests than 200 per 1m holds: the shorter window could never apply',
  ],
  ['nine windows', { rateLimits: Array.from({ length: 9 }, (_, i) => W(i + 1, 1000 * (i + 1))) }, 'rateLimits: holds 9 windows; at most 8'],
  ['a quota not an object', { quota: 'month' }, 'quota must be an object {"limit", "period"}, or null for the policy default'],
  [
    'a quota with every problem',
    { quota: { limit: 0, period: 'week', reset: 1 } },
    'quota has an unknown member "reset"; allowed: limit, period; quota.limit must be a positive whole number; quota.period must be one of day, month',
  ],
  ['a quota missing its period', { quota: { limit: 5 } }, 'quota.period is required'],
];

t.test('each bad limit is a 400 naming its problems; nothing is written', async (t) => {
  const admin = await startAdmin(t);
  const caller = createTestKey(admin.store, { org: 'acme' });
  const victim = createTestKey(admin.store, { org: 'acme', scopes: ['read'] });
  const before = unchanged(admin);
  for (const [label, members, detail] of BAD) {
    for (const [method, path, body] of [
      ['POST', BASES.org, { name: 'x', ...members }],
      ['PATCH', `${BASES.org}/${victim.id}`, members],
    ] as const) {
      const res = await send(t, admin, method, path, caller, body);
      t.equal(res.status, 400, `${method} ${label}`);
      t.same([res.json?.code, res.json?.detail], ['invalid_body', detail], `${method} ${label}`);
    }
  }
  t.same(unchanged(admin), before, 'the database and the audit log are unchanged');
});

t.test('setting limits needs every scope of the key; other changes keep their own rules', async (t) => {
  const admin = await startAdmin(t);
  const base = '/api/v1/organization/agency-co/api-keys';
  const victim = createTestKey(admin.store, { org: 'agency-co', agency: true, scopes: ['read', 'agency:read'] });
  const caller = createTestKey(admin.store, { org: 'agency-co', scopes: ['read', 'write', 'admin'] });
  const before = unchanged(admin);
  for (const body of [{ rateLimits: [W(1_000_000, 1000)] }, { quota: null }, { name: 'x', quota: { limit: 1, period: 'day' } }]) {
    const res = await send(t, admin, 'PATCH', `${base}/${victim.id}`, caller, body);
    t.equal(res.status, 403, JSON.stringify(body));
    t.match(res.json, {
      code: 'scope_escalation',
      missingScopes: ['agency:read'],
      detail: 'A key cannot change the limits of a key with scopes it does not hold: agency:read.',
    });
  }
  t.same(unchanged(admin), before, 'nothing written, nothing audited');
  t.equal(
    (await send(t, admin, 'PATCH', `${base}/${victim.id}`, caller, { name: 'renamed' })).status,
    200,
    'a name change is not a limit change',
  );
  const holder = createTestKey(admin.store, { org: 'agency-co', scopes: ['read', 'admin', 'agency:read'] });
  const set = await send(t, admin, 'PATCH', `${base}/${victim.id}`, holder, { rateLimits: [W(10, 1000)] });
  t.equal(set.status, 200, 'a caller holding every scope of the key may set its limits');
  t.same(set.json.apiKey.rateLimits, [W(10, 1000)]);
});
