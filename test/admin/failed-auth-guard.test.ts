// The admin's failed-authentication guard, the gateway's own rule (core/authenticate-caller.ts):
// once an address has spent its budget of 401s its failures get 429 too_many_failed_authentications
// with Retry-After, a valid key from it is still served, and the budget refills with the clock.
// A trip is logged once, naming the address and never a key.
import t from 'tap';
import { startAdmin } from '../helpers/admin.js';
import { call } from '../helpers/http.js';
import { createTestKey } from '../helpers/keys.js';
import { expectMatchesSpec } from '../helpers/openapi.js';

const PATH = '/api/v1/organization/acme/api-keys';
/** Three failures a minute: one refills every 20 s. */
const SPEC = { requests: 3, perMs: 60_000 };
const REFILL_MS = SPEC.perMs / SPEC.requests;
const UNKNOWN_KEY = `bsk_live_${'0'.repeat(32)}`;
const TRIPPED = 'failed-authentication guard tripped for an address';

t.test('an address over its failure budget: bad keys get 429, a valid key still passes, a refill lets one 401 through', async (t) => {
  const admin = await startAdmin(t, { authFailures: SPEC });
  const valid = createTestKey(admin.store, { org: 'acme', scopes: ['read'] });
  const bad = () => call(admin.baseUrl, 'GET', PATH, { headers: { 'x-api-key': UNKNOWN_KEY } });

  const statuses: number[] = [];
  for (let i = 0; i < SPEC.requests; i++) statuses.push((await bad()).status);
  t.same(statuses, [401, 401, 401], 'the budget: three 401s');

  const blocked = await bad();
  t.equal(blocked.status, 429);
  t.equal(blocked.headers['content-type'], 'application/problem+json');
  t.match(blocked.json, { type: 'about:blank', status: 429, title: 'Too Many Requests', code: 'too_many_failed_authentications' });
  t.equal(blocked.headers['retry-after'], String(REFILL_MS / 1000), 'Retry-After: the time until the next failure is allowed');
  expectMatchesSpec(t, `GET ${PATH}`, blocked);

  const served = await call(admin.baseUrl, 'GET', PATH, { headers: valid.headers });
  t.equal(served.status, 200, 'a valid key from the same address is served');
  t.equal((await bad()).status, 429, 'bad keys are still refused after it');

  admin.clock.advance(REFILL_MS);
  t.equal((await bad()).status, 401, 'one failure refilled: a 401 again');
  t.equal((await bad()).status, 429, 'and spent');

  const trips = admin.logs.entries().filter((entry) => entry.msg === TRIPPED);
  t.equal(trips.length, 2, 'logged once per trip, not per refusal');
  t.match(trips[0], { level: 'warn', clientAddress: '127.0.0.1' });
  t.notMatch(admin.logs.text(), UNKNOWN_KEY, 'the bad key is not logged');
  t.notMatch(admin.logs.text(), valid.plainKey, 'the valid key is not logged');
});

t.test('every 401 counts (no key, a malformed key); a 403 does not', async (t) => {
  const admin = await startAdmin(t, { authFailures: SPEC });
  const reader = createTestKey(admin.store, { org: 'acme', scopes: ['read'] });
  const forbidden = await call(admin.baseUrl, 'POST', PATH, { headers: reader.headers, body: { name: 'x' } });
  t.equal(forbidden.status, 403, 'an authenticated key without the scope');
  t.equal((await call(admin.baseUrl, 'GET', PATH)).json.code, 'missing_key');
  t.equal((await call(admin.baseUrl, 'GET', PATH, { headers: { 'x-api-key': 'not-a-key' } })).json.code, 'malformed_key');
  t.equal((await call(admin.baseUrl, 'GET', PATH, { headers: { 'x-api-key': UNKNOWN_KEY } })).json.code, 'invalid_key');
  const blocked = await call(admin.baseUrl, 'GET', PATH);
  t.equal(blocked.status, 429, 'three 401s spent the budget; the 403 did not');
  t.equal(blocked.json.code, 'too_many_failed_authentications');
});
