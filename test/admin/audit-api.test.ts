// Key changes through the admin API are audited: one row per creation and per
// revocation, naming the calling key, the client's socket address and the
// key, read back from the SQLite file itself. Refused requests and repeated
// revocations leave no row, and no row holds a plain key or a hash.
import t from 'tap';
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { hashKey } from '../../core/keys.js';
import { startAdmin } from '../helpers/admin.js';
import { call } from '../helpers/http.js';
import { createTestKey } from '../helpers/keys.js';

const ORG = '/api/v1/organization/acme/api-keys';

/** The audit table as stored, through a separate read-only connection. */
function auditRows(dbPath: string): Record<string, unknown>[] {
  const db = new Database(dbPath, { readonly: true });
  try {
    return db.prepare('SELECT * FROM audit_events ORDER BY id').all() as Record<string, unknown>[];
  } finally {
    db.close();
  }
}

t.test('an API creation is one row: the calling key, its address, the new key', async (t) => {
  const admin = await startAdmin(t);
  const caller = createTestKey(admin.store, { org: 'acme' });
  const before = auditRows(admin.dbPath).length;
  const res = await call(admin.baseUrl, 'POST', ORG, { headers: caller.headers, body: { name: 'ci', scopes: ['read', 'write'] } });
  t.equal(res.status, 201);
  const rows = auditRows(admin.dbPath).slice(before);
  t.same(rows, [
    {
      id: before + 1,
      at: admin.clock.now(),
      actor: `key_${caller.id}`,
      client_address: '127.0.0.1',
      action: 'key.created',
      key_id: res.json.apiKey.id,
      family: 'org',
      owner_id: 'acme',
      key_prefix: res.json.apiKey.keyPrefix,
      scopes: '["read","write"]',
      details: null,
    },
  ]);
  const text = JSON.stringify(rows);
  t.notMatch(text, res.json.plainKey.slice(9), 'not the plain key');
  t.notMatch(text, hashKey(res.json.plainKey), 'not its hash');
});

t.test('an API revocation is one row; revoking again is none', async (t) => {
  const admin = await startAdmin(t);
  const caller = createTestKey(admin.store, { partner: 'p-1' });
  const victim = createTestKey(admin.store, { partner: 'p-1', scopes: ['read'] });
  const before = auditRows(admin.dbPath).length;
  admin.clock.advance(5000);
  const path = `/api/v1/partner/api-keys/${victim.id}`;
  t.equal((await call(admin.baseUrl, 'DELETE', path, { headers: caller.headers })).status, 204);
  t.equal((await call(admin.baseUrl, 'DELETE', path, { headers: caller.headers })).status, 204);
  t.same(auditRows(admin.dbPath).slice(before), [
    {
      id: before + 1,
      at: admin.clock.now(),
      actor: `key_${caller.id}`,
      client_address: '127.0.0.1',
      action: 'key.revoked',
      key_id: victim.id,
      family: 'partner',
      owner_id: 'p-1',
      key_prefix: victim.plainKey.slice(0, 12),
      scopes: null,
      details: null,
    },
  ]);
});

t.test('refused requests write no audit row', async (t) => {
  const admin = await startAdmin(t);
  const caller = createTestKey(admin.store, { org: 'acme' });
  const reader = createTestKey(admin.store, { org: 'acme', scopes: ['read'] });
  const other = createTestKey(admin.store, { org: 'globex' });
  const before = auditRows(admin.dbPath);
  const refused: Array<[string, string, Record<string, string>, unknown, number]> = [
    ['POST', ORG, caller.headers, { name: '' }, 400],
    ['POST', ORG, caller.headers, { name: 'x', scopes: ['agency:read'] }, 400],
    ['POST', ORG, {}, { name: 'x' }, 401],
    ['POST', ORG, reader.headers, { name: 'x' }, 403],
    ['POST', ORG, reader.headers, { name: 'x', scopes: ['admin'] }, 403],
    ['POST', '/api/v1/organization/globex/api-keys', caller.headers, { name: 'x' }, 403],
    ['DELETE', `${ORG}/${randomUUID()}`, caller.headers, undefined, 404],
    ['DELETE', `${ORG}/${other.id}`, caller.headers, undefined, 404],
    ['DELETE', `${ORG}/${caller.id}`, reader.headers, undefined, 403],
  ];
  for (const [method, path, headers, body, status] of refused) {
    const res = await call(admin.baseUrl, method, path, { headers, ...(body === undefined ? {} : { body }) });
    t.equal(res.status, status, `${method} ${path} ${JSON.stringify(body ?? null)}`);
  }
  t.same(auditRows(admin.dbPath), before, 'no row added');
});
