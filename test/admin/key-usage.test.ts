// GET .../api-keys/{keyId}/usage over the real admin: the key's hourly counts
// in [from's hour, to), oldest first, hours without traffic left out; to
// defaults to now and from to 24 hours before to. Every bad query is 400
// invalid_parameter and changes nothing; another owner's key, an unknown id
// and a key of the other family are 404 like on every key endpoint; a
// read-only key may read. Every answer matches the OpenAPI document. Through
// a gateway, the query reaches the admin and the traffic shows up.
import { randomUUID } from 'node:crypto';
import t from 'tap';
import { HOUR_MS } from '../../core/key-activity.js';
import { startAdmin, type AdminHarness } from '../helpers/admin.js';
import { startGatewayStack } from '../helpers/gateway.js';
import { call, type CallResult } from '../helpers/http.js';
import { createTestKey, type TestKey } from '../helpers/keys.js';
import { expectMatchesSpec } from '../helpers/openapi.js';
import { hourlyUsage } from '../helpers/usage.js';

type Tap = Parameters<typeof expectMatchesSpec>[0];

const ORG = '/api/v1/organization/acme/api-keys';
const PARTNER = '/api/v1/partner/api-keys';
/** The harness clock's start (2026-01-01T00:00:00Z), moved to 13:20 on 2 January. */
const NOW = Date.UTC(2026, 0, 2, 13, 20);
const HOUR = Date.UTC(2026, 0, 2, 13);
const iso = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');

async function usage(t: Tap, admin: AdminHarness, base: string, caller: TestKey, keyId: string, query = ''): Promise<CallResult> {
  const path = `${base}/${keyId}/usage${query}`;
  const res = await call(admin.baseUrl, 'GET', path, { headers: caller.headers });
  expectMatchesSpec(t, `GET ${path.split('?')[0]}`, res);
  return res;
}

async function setup(t: Parameters<typeof startAdmin>[0]) {
  const admin = await startAdmin(t);
  admin.clock.set(NOW);
  const caller = createTestKey(admin.store, { org: 'acme', scopes: ['read'] });
  const target = createTestKey(admin.store, { org: 'acme', name: 'busy' });
  return { admin, caller, target };
}

t.test('the hours with traffic in the last 24 hours by default, oldest first, as JSON the document describes', async (t) => {
  const { admin, caller, target } = await setup(t);
  admin.store.recordActivity({
    lastUsed: new Map(),
    usage: [
      hourlyUsage(target.id, HOUR, 7, 2, 1, 0),
      hourlyUsage(target.id, HOUR - 3 * HOUR_MS, 1, 0, 0, 4),
      hourlyUsage(target.id, HOUR - 24 * HOUR_MS, 50), // 13:00 the day before: holds from (now - 24 h = 13:20), so included
      hourlyUsage(target.id, HOUR - 25 * HOUR_MS, 99), // 12:00 the day before: outside
      hourlyUsage(caller.id, HOUR, 5), // another key
    ],
  });
  const res = await usage(t, admin, ORG, caller, target.id);
  t.equal(res.status, 200);
  t.same(res.json, {
    usage: [
      { start: iso(HOUR - 24 * HOUR_MS), success: 50, rateLimited: 0, clientErrors: 0, serverErrors: 0 },
      { start: iso(HOUR - 3 * HOUR_MS), success: 1, rateLimited: 0, clientErrors: 0, serverErrors: 4 },
      { start: '2026-01-02T13:00:00Z', success: 7, rateLimited: 2, clientErrors: 1, serverErrors: 0 },
    ],
  });
  t.equal(res.headers['content-type'], 'application/json; charset=utf-8');
});

t.test('from and to: the hour of from included, to excluded; Z or an offset; a + in the query is an offset', async (t) => {
  const { admin, caller, target } = await setup(t);
  const hours = [0, 1, 2, 3, 4].map((n) => HOUR - n * HOUR_MS);
  admin.store.recordActivity({ lastUsed: new Map(), usage: hours.map((h, i) => hourlyUsage(target.id, h, i + 1)) });
  const starts = (res: CallResult) => res.json.usage.map((entry: { start: string }) => entry.start);

  const zulu = await usage(t, admin, ORG, caller, target.id, `?from=2026-01-02T10:59:59Z&to=2026-01-02T13:00:00Z`);
  t.same(starts(zulu), ['2026-01-02T10:00:00Z', '2026-01-02T11:00:00Z', '2026-01-02T12:00:00Z']);
  const offset = await usage(t, admin, ORG, caller, target.id, `?to=2026-01-02T14:00:00+01:00&from=2026-01-02T12:30:00%2B01:00`);
  t.same(starts(offset), ['2026-01-02T11:00:00Z', '2026-01-02T12:00:00Z'], 'raw + and %2B both read as an offset');
  const onlyTo = await usage(t, admin, ORG, caller, target.id, `?to=2026-01-02T11:00:00Z`);
  t.same(starts(onlyTo), ['2026-01-02T09:00:00Z', '2026-01-02T10:00:00Z'], 'from defaults to 24 hours before to');
  const exactly31Days = await usage(t, admin, ORG, caller, target.id, `?from=2025-12-02T13:00:00Z&to=2026-01-02T13:00:00Z`);
  t.equal(exactly31Days.status, 200, '31 days is allowed');
  const none = await usage(t, admin, ORG, caller, target.id, `?from=2026-01-01T00:00:00Z&to=2026-01-01T05:00:00Z`);
  t.same(none.json, { usage: [] }, 'no traffic: an empty list');
});

t.test('every bad query is 400 invalid_parameter naming the parameter, and changes nothing', async (t) => {
  const { admin, caller, target } = await setup(t);
  admin.store.recordActivity({ lastUsed: new Map(), usage: [hourlyUsage(target.id, HOUR, 1)] });
  const before = admin.snapshot();
  const cases: Array<[string, RegExp]> = [
    ['?from=yesterday', /^from must be an RFC 3339 date-time/],
    ['?to=2026-01-02', /^to must be an RFC 3339/],
    ['?from=2026-01-02T10:00:00', /^from must be an RFC 3339 date-time with a time zone/],
    ['?from=2026-01-02 10:00:00Z', /^from must be an RFC 3339/],
    ['?from=2026-02-30T10:00:00Z', /^from must be an RFC 3339/],
    ['?from=', /^from must be an RFC 3339/],
    ['?to', /^to must be an RFC 3339/],
    ['?from=2026-01-02T10:00:00Z&from=2026-01-02T11:00:00Z', /^The query parameter from is given more than once/],
    ['?to=2026-01-02T10:00:00Z&to=2026-01-02T10:00:00Z', /^The query parameter to is given more than once/],
    ['?since=2026-01-02T10:00:00Z', /^Unknown query parameter "since"; this endpoint takes only from and to/],
    ['?From=2026-01-02T10:00:00Z', /^Unknown query parameter "From"/],
    ['?from=2026-01-02T10:00:00Z&', /^Unknown query parameter; /],
    ['?%66rom=2026-01-02T10:00:00Z&from=2026-01-02T10:00:00Z', /^The query parameter from is given more than once/],
    ['?from=2026-01-02T12:00:00Z&to=2026-01-02T12:00:00Z', /^from must be before to\.$/],
    ['?from=2026-01-02T13:00:00Z&to=2026-01-02T12:00:00Z', /^from must be before to\.$/],
    ['?from=2026-01-03T00:00:00Z', /^from must be before to \(default: now\)\.$/],
    ['?from=2025-12-02T12:59:59Z&to=2026-01-02T13:00:00Z', /^from and to may be at most 31 days apart\.$/],
    ['?from=2025-01-01T00:00:00Z', /^from and to may be at most 31 days apart\.$/],
    ['?to=2026-01-02T10:00:00%FF', /^The query has a percent-escape that is not UTF-8\.$/],
  ];
  for (const [query, detail] of cases) {
    const res = await usage(t, admin, ORG, caller, target.id, query);
    t.equal(res.status, 400, query);
    t.match(res.json, { code: 'invalid_parameter', status: 400, detail }, query);
  }
  t.equal(admin.snapshot(), before, 'the database is as it was');
  t.same(admin.store.usageOf(target.id, 0, NOW + HOUR_MS), [hourlyUsage(target.id, HOUR, 1)], 'and so are the counts');
});

t.test(
  "another owner's key, an unknown or malformed id and the other family's key are 404 not_found, as on every key endpoint",
  async (t) => {
    const { admin, caller, target } = await setup(t);
    const other = createTestKey(admin.store, { org: 'other' });
    const partner = createTestKey(admin.store, { partner: 'partner-p', scopes: ['read'] });
    const partnerKey = createTestKey(admin.store, { partner: 'partner-p' });
    const otherPartner = createTestKey(admin.store, { partner: 'partner-q' });
    admin.store.recordActivity({
      lastUsed: new Map(),
      usage: [other, partnerKey, otherPartner, target].map((key) => hourlyUsage(key.id, HOUR, 3)),
    });
    const cases: Array<[string, TestKey, string]> = [
      [ORG, caller, other.id],
      [ORG, caller, partnerKey.id],
      [ORG, caller, randomUUID()],
      [ORG, caller, 'not-a-uuid'],
      [PARTNER, partner, otherPartner.id],
      [PARTNER, partner, target.id],
    ];
    for (const [base, who, keyId] of cases) {
      const res = await usage(t, admin, base, who, keyId);
      t.equal(res.status, 404, `${base} ${keyId}`);
      t.match(res.json, { code: 'not_found', detail: 'There is no API key with that id.' });
    }
    const elsewhere = await usage(t, admin, '/api/v1/organization/other/api-keys', caller, other.id);
    t.match(elsewhere.json, { status: 403, code: 'wrong_organization' }, "another organization's path is 403 before the key is looked up");
    const own = await usage(t, admin, PARTNER, partner, partnerKey.id);
    t.same(own.json, { usage: [{ start: '2026-01-02T13:00:00Z', success: 3, rateLimited: 0, clientErrors: 0, serverErrors: 0 }] });
    const upperCase = await usage(t, admin, ORG, caller, target.id.toUpperCase());
    t.equal(upperCase.status, 200, 'the id in any case, as elsewhere');
  },
);

t.test('a read-only key may read usage (of any key of its owner, itself included); a key without read may not', async (t) => {
  const { admin, caller, target } = await setup(t);
  admin.store.recordActivity({ lastUsed: new Map(), usage: [hourlyUsage(caller.id, HOUR, 2), hourlyUsage(target.id, HOUR, 4)] });
  t.equal((await usage(t, admin, ORG, caller, caller.id)).json.usage[0].success, 2);
  t.equal((await usage(t, admin, ORG, caller, target.id)).json.usage[0].success, 4);
  const writer = createTestKey(admin.store, { org: 'acme', scopes: ['write'] });
  const refused = await usage(t, admin, ORG, writer, target.id);
  t.match(refused.json, { status: 403, code: 'insufficient_scope', requiredScope: 'read' });
});

t.test('through the gateway: traffic of a key shows up in its usage, read with a query the gateway passes on', async (t) => {
  const stack = await startGatewayStack(t, {
    policy: `
upstreams:
  app: \${UPSTREAM}
  admin: { url: \${ADMIN}, forwardKey: true }
defaults: { upstream: app, key: org, rateLimit: { requests: 1000, per: 1m } }
routes:
  GET /api/v1/organization/{organization_id}/visitors: read
  GET /api/v1/organization/{organization_id}/api-keys/{keyId}/usage: { scope: read, upstream: admin }
`,
  });
  const reader = stack.key({ org: 'acme', scopes: ['read'] });
  const busy = stack.key({ org: 'acme' });
  for (let i = 0; i < 3; i += 1)
    t.equal((await call(stack.gatewayUrl, 'GET', '/api/v1/organization/acme/visitors', { headers: busy.headers })).status, 200);
  await stack.admin.activity.flush();
  const path = `${ORG}/${busy.id}/usage`;
  // The harness clock stands at 2026-01-01T00:00:00Z: the traffic is in that hour.
  const res = await call(stack.gatewayUrl, 'GET', `${path}?from=2026-01-01T01:00:00+01:00&to=2026-01-01T01:00:00Z`, {
    headers: reader.headers,
  });
  expectMatchesSpec(t, `GET ${path}`, res);
  t.same(res.json, { usage: [{ start: '2026-01-01T00:00:00Z', success: 3, rateLimited: 0, clientErrors: 0, serverErrors: 0 }] });
  const bad = await call(stack.gatewayUrl, 'GET', `${path}?since=1h`, { headers: reader.headers });
  t.match(bad.json, { status: 400, code: 'invalid_parameter' }, 'the admin sees the query as sent');
});
