// DELETE .../api-keys/{keyId}: 204; immediate (the very next request with the
// key is 401) and permanent; idempotent; unknown or foreign ids are 404.
import t from 'tap';
import { randomUUID } from 'node:crypto';
import { startAdmin } from '../helpers/admin.js';
import { call } from '../helpers/http.js';
import { createTestKey } from '../helpers/keys.js';
import { expectMatchesSpec } from '../helpers/openapi.js';

const ORG = '/api/v1/organization/acme/api-keys';

t.test('revocation is immediate: the next request with the key is 401', async (t) => {
  const admin = await startAdmin(t);
  const caller = createTestKey(admin.store, { org: 'acme' });
  const victim = createTestKey(admin.store, { org: 'acme', scopes: ['read'] });
  t.equal((await call(admin.baseUrl, 'GET', ORG, { headers: victim.headers })).status, 200);
  const seqBefore = admin.store.currentSeq();

  const res = await call(admin.baseUrl, 'DELETE', `${ORG}/${victim.id}`, { headers: caller.headers });
  t.equal(res.status, 204);
  expectMatchesSpec(t, `DELETE ${ORG}/${victim.id}`, res);
  t.equal(res.text, '', 'no body');
  t.equal(res.headers['content-type'], undefined);

  const next = await call(admin.baseUrl, 'GET', ORG, { headers: victim.headers });
  t.equal(next.status, 401);
  expectMatchesSpec(t, `GET ${ORG}`, next);
  t.equal(next.json.code, 'key_revoked');
  t.ok(admin.store.currentSeq() > seqBefore, 'the change sequence moved');

  const list = await call(admin.baseUrl, 'GET', ORG, { headers: caller.headers });
  const listed = list.json.apiKeys.find((k: { id: string }) => k.id === victim.id);
  t.equal(listed.status, 'revoked', 'listed as revoked');
});

t.test('revoking a revoked key is 204 and writes nothing', async (t) => {
  const admin = await startAdmin(t);
  const caller = createTestKey(admin.store, { org: 'acme' });
  const victim = createTestKey(admin.store, { org: 'acme' });
  t.equal((await call(admin.baseUrl, 'DELETE', `${ORG}/${victim.id}`, { headers: caller.headers })).status, 204);
  const before = admin.snapshot();
  const again = await call(admin.baseUrl, 'DELETE', `${ORG}/${victim.id}`, { headers: caller.headers });
  t.equal(again.status, 204);
  expectMatchesSpec(t, `DELETE ${ORG}/${victim.id}`, again);
  t.equal(admin.snapshot(), before, 'no second write, no new sequence number');
});

t.test('a key may revoke itself, and is then refused', async (t) => {
  const admin = await startAdmin(t);
  const caller = createTestKey(admin.store, { partner: 'p-1' });
  const res = await call(admin.baseUrl, 'DELETE', `/api/v1/partner/api-keys/${caller.id}`, { headers: caller.headers });
  t.equal(res.status, 204);
  expectMatchesSpec(t, `DELETE /api/v1/partner/api-keys/${caller.id}`, res);
  t.equal((await call(admin.baseUrl, 'GET', '/api/v1/partner/api-keys', { headers: caller.headers })).status, 401);
});

t.test('unknown, malformed and foreign key ids are all 404', async (t) => {
  const admin = await startAdmin(t);
  const caller = createTestKey(admin.store, { org: 'acme' });
  const other = createTestKey(admin.store, { org: 'globex' });
  const before = admin.snapshot();
  const ids: Array<[string, string]> = [
    ['unknown', randomUUID()],
    ['not a UUID', 'not-a-uuid'],
    ['almost a UUID', `${randomUUID()}0`],
    ["another organization's key", other.id],
  ];
  for (const [label, keyId] of ids) {
    const res = await call(admin.baseUrl, 'DELETE', `${ORG}/${keyId}`, { headers: caller.headers });
    t.equal(res.status, 404, label);
    t.equal(res.json.code, 'not_found', label);
    expectMatchesSpec(t, `DELETE ${ORG}/${keyId}`, res);
  }
  t.equal(admin.snapshot(), before, 'database unchanged');
  const stillThere = await call(admin.baseUrl, 'GET', '/api/v1/organization/globex/api-keys', { headers: other.headers });
  t.equal(stillThere.status, 200, "the other organization's key still works");
});

t.test('an upper-case key id names the same key', async (t) => {
  const admin = await startAdmin(t);
  const caller = createTestKey(admin.store, { org: 'acme' });
  const victim = createTestKey(admin.store, { org: 'acme' });
  const res = await call(admin.baseUrl, 'DELETE', `${ORG}/${victim.id.toUpperCase()}`, { headers: caller.headers });
  t.equal(res.status, 204);
  t.equal(admin.store.getKey(victim.id)?.status, 'revoked');
});
