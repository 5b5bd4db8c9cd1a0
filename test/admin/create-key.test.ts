// POST .../api-keys: 201 with the key object and the plain key, once; the
// new key works at once; defaults, createdByUserId, keyPrefix and expiry.
import t from 'tap';
import { hashKey, isWellFormedKey } from '../../core/keys.js';
import { startAdmin } from '../helpers/admin.js';
import { call } from '../helpers/http.js';
import { createTestKey } from '../helpers/keys.js';
import { expectMatchesSpec } from '../helpers/openapi.js';

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

t.test('an organization admin key creates an organization key', async (t) => {
  const admin = await startAdmin(t);
  const caller = createTestKey(admin.store, { org: 'acme' });
  const res = await call(admin.baseUrl, 'POST', '/api/v1/organization/acme/api-keys', {
    headers: caller.headers,
    body: { name: '  CI deploy  ' },
  });
  t.equal(res.status, 201);
  expectMatchesSpec(t, 'POST /api/v1/organization/acme/api-keys', res);
  t.match(res.headers['content-type'], /^application\/json/);
  t.equal(res.headers['cache-control'], 'no-store');
  const { apiKey, plainKey } = res.json;
  t.ok(isWellFormedKey(plainKey, 'org'), 'plainKey is bsk_live_ + 32 hex');
  t.same(
    Object.keys(apiKey).sort(),
    [
      'allowedIps',
      'rateLimits',
      'quota',
      'createdAt',
      'createdByUserId',
      'expiresAt',
      'id',
      'keyPrefix',
      'lastUsedAt',
      'name',
      'organizationId',
      'scopes',
      'status',
    ].sort(),
  );
  t.match(apiKey.id, UUID);
  t.equal(apiKey.organizationId, 'acme');
  t.equal(apiKey.createdByUserId, `key_${caller.id}`);
  t.equal(apiKey.name, 'CI deploy', 'name is trimmed');
  t.equal(apiKey.keyPrefix, plainKey.slice(0, 13), 'keyPrefix is bsk_live_ plus 4 characters');
  t.same(apiKey.scopes, ['read', 'write'], 'organization keys default to read, write');
  t.equal(apiKey.status, 'active');
  t.equal(apiKey.expiresAt, null);
  t.equal(apiKey.lastUsedAt, null);
  t.equal(apiKey.createdAt, new Date(admin.clock.now()).toISOString());
  t.match(apiKey.createdAt, ISO);
  t.notMatch(res.text, hashKey(plainKey), 'the hash is never sent');

  const list = await call(admin.baseUrl, 'GET', '/api/v1/organization/acme/api-keys', {
    headers: { 'x-api-key': plainKey },
  });
  t.equal(list.status, 200, 'the new key authenticates at once');
  expectMatchesSpec(t, 'GET /api/v1/organization/acme/api-keys', list);
  t.same(
    list.json.apiKeys.map((k: { id: string }) => k.id),
    [caller.id, apiKey.id],
  );
  t.notMatch(list.text, plainKey, 'listings never hold the plain key');
});

t.test('a partner admin key creates a partner key with full access by default', async (t) => {
  const admin = await startAdmin(t);
  const caller = createTestKey(admin.store, { partner: 'p-1' });
  const res = await call(admin.baseUrl, 'POST', '/api/v1/partner/api-keys', {
    headers: caller.headers,
    body: { name: 'reseller' },
  });
  t.equal(res.status, 201);
  expectMatchesSpec(t, 'POST /api/v1/partner/api-keys', res);
  const { apiKey, plainKey } = res.json;
  t.ok(isWellFormedKey(plainKey, 'partner'), 'plainKey is pk_live_ + 32 hex');
  t.equal(apiKey.partnerId, 'p-1');
  t.notOk('organizationId' in apiKey);
  t.equal(apiKey.keyPrefix, plainKey.slice(0, 12), 'keyPrefix is pk_live_ plus 4 characters');
  t.same(apiKey.scopes, ['read', 'write', 'admin']);
});

t.test('explicit scopes and a future expiry are kept', async (t) => {
  const admin = await startAdmin(t);
  const caller = createTestKey(admin.store, { org: 'acme' });
  const res = await call(admin.baseUrl, 'POST', '/api/v1/organization/acme/api-keys', {
    headers: caller.headers,
    body: { name: 'reader', scopes: ['read'], expiresAt: '2026-03-01T12:00:00+01:00' },
  });
  t.equal(res.status, 201);
  expectMatchesSpec(t, 'POST /api/v1/organization/acme/api-keys', res);
  t.same(res.json.apiKey.scopes, ['read']);
  t.equal(res.json.apiKey.expiresAt, '2026-03-01T11:00:00.000Z', 'rendered in UTC with Z');
});

t.test('an agency organization may grant agency scopes it holds', async (t) => {
  const admin = await startAdmin(t);
  const caller = createTestKey(admin.store, { org: 'agency-1', agency: true, scopes: ['admin', 'agency:read'] });
  const res = await call(admin.baseUrl, 'POST', '/api/v1/organization/agency-1/api-keys', {
    headers: caller.headers,
    body: { name: 'overview', scopes: ['agency:read', 'read'] },
  });
  t.equal(res.status, 201);
  expectMatchesSpec(t, 'POST /api/v1/organization/agency-1/api-keys', res);
  t.same(res.json.apiKey.scopes, ['read', 'agency:read']);
});

t.test('admin implies read and write, so an admin key may grant them', async (t) => {
  const admin = await startAdmin(t);
  const caller = createTestKey(admin.store, { org: 'acme', scopes: ['admin'] });
  const res = await call(admin.baseUrl, 'POST', '/api/v1/organization/acme/api-keys', {
    headers: caller.headers,
    body: { name: 'rw', scopes: ['read', 'write', 'admin'] },
  });
  t.equal(res.status, 201);
});
