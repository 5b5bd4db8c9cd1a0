// GET .../api-keys: 200 {"apiKeys": [...]}, the contract's key objects,
// revoked keys included, oldest first, never a hash or a plain key.
import t from 'tap';
import { hashKey } from '../../core/keys.js';
import { startAdmin } from '../helpers/admin.js';
import { call } from '../helpers/http.js';
import { createTestKey } from '../helpers/keys.js';
import { expectMatchesSpec } from '../helpers/openapi.js';

t.test('an organization listing', async (t) => {
  const admin = await startAdmin(t);
  const reader = createTestKey(admin.store, { org: 'acme', scopes: ['read'], name: 'reader' });
  admin.clock.advance(1000);
  const old = createTestKey(admin.store, { org: 'acme', name: 'old', expiresAt: Date.UTC(2027, 0, 1) });
  admin.store.revokeKey(old.id);
  const res = await call(admin.baseUrl, 'GET', '/api/v1/organization/acme/api-keys', { headers: reader.headers });
  t.equal(res.status, 200);
  expectMatchesSpec(t, 'GET /api/v1/organization/acme/api-keys', res);
  t.match(res.headers['content-type'], /^application\/json/);
  t.same(res.json, {
    apiKeys: [
      {
        id: reader.id,
        organizationId: 'acme',
        createdByUserId: 'test',
        name: 'reader',
        keyPrefix: reader.plainKey.slice(0, 13),
        scopes: ['read'],
        status: 'active',
        expiresAt: null,
        lastUsedAt: null,
        createdAt: '2026-01-01T00:00:00.000Z',
        allowedIps: null,
        rateLimits: null,
        quota: null,
      },
      {
        id: old.id,
        organizationId: 'acme',
        createdByUserId: 'test',
        name: 'old',
        keyPrefix: old.plainKey.slice(0, 13),
        scopes: ['read', 'write', 'admin'],
        status: 'revoked',
        expiresAt: '2027-01-01T00:00:00.000Z',
        lastUsedAt: null,
        createdAt: '2026-01-01T00:00:01.000Z',
        allowedIps: null,
        rateLimits: null,
        quota: null,
      },
    ],
  });
  for (const key of [reader, old]) {
    t.notMatch(res.text, key.plainKey);
    t.notMatch(res.text, hashKey(key.plainKey));
  }
});

t.test('a partner listing', async (t) => {
  const admin = await startAdmin(t);
  const partner = createTestKey(admin.store, { partner: 'p-1', scopes: ['read'] });
  const res = await call(admin.baseUrl, 'GET', '/api/v1/partner/api-keys', { headers: partner.headers });
  t.equal(res.status, 200);
  expectMatchesSpec(t, 'GET /api/v1/partner/api-keys', res);
  t.equal(res.json.apiKeys.length, 1);
  t.equal(res.json.apiKeys[0].partnerId, 'p-1');
  t.equal(res.json.apiKeys[0].keyPrefix, partner.plainKey.slice(0, 12));
});
