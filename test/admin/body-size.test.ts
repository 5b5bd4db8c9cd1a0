// Bodies over 16 KiB get 413 and `connection: close`, the database is
// unchanged, and the service keeps serving. Checked for a declared length
// (rejected before reading) and for a chunked body (counted as it streams).
import t from 'tap';
import { startAdmin } from '../helpers/admin.js';
import { call } from '../helpers/http.js';
import { createTestKey } from '../helpers/keys.js';
import { expectMatchesSpec } from '../helpers/openapi.js';
import { rawRequest } from '../helpers/raw-http.js';

const PATH = '/api/v1/organization/acme/api-keys';

t.test('413 for a 10 MB body', async (t) => {
  const admin = await startAdmin(t);
  const caller = createTestKey(admin.store, { org: 'acme' });
  const before = admin.snapshot();
  const res = await call(admin.baseUrl, 'POST', PATH, {
    headers: { ...caller.headers, 'content-type': 'application/json' },
    body: Buffer.alloc(10 * 1024 * 1024, 0x20),
  });
  t.equal(res.status, 413);
  t.equal(res.json.code, 'payload_too_large');
  t.equal(res.headers.connection, 'close');
  expectMatchesSpec(t, `POST ${PATH}`, res);
  t.equal(admin.snapshot(), before, 'database unchanged');
  const ok = await call(admin.baseUrl, 'POST', PATH, { headers: caller.headers, body: { name: 'after' } });
  t.equal(ok.status, 201, 'the service keeps serving');
  expectMatchesSpec(t, `POST ${PATH}`, ok);
});

t.test('413 for a name of 100 KB, for either family', async (t) => {
  const admin = await startAdmin(t);
  const callers = [
    [PATH, createTestKey(admin.store, { org: 'acme' })],
    ['/api/v1/partner/api-keys', createTestKey(admin.store, { partner: 'p-1' })],
  ] as const;
  const before = admin.snapshot();
  for (const [path, caller] of callers) {
    const res = await call(admin.baseUrl, 'POST', path, { headers: caller.headers, body: { name: 'n'.repeat(100 * 1024) } });
    t.equal(res.status, 413);
    t.equal(res.json.code, 'payload_too_large');
    expectMatchesSpec(t, `POST ${path}`, res);
  }
  t.equal(admin.snapshot(), before, 'database unchanged');
});

t.test('413 for a chunked body that grows past the limit', async (t) => {
  const admin = await startAdmin(t);
  const caller = createTestKey(admin.store, { org: 'acme' });
  const before = admin.snapshot();
  const chunk = 'x'.repeat(8 * 1024);
  const chunked = `${chunk.length.toString(16)}\r\n${chunk}\r\n`.repeat(3);
  const res = await rawRequest(
    admin.port,
    `POST ${PATH} HTTP/1.1\r\nHost: localhost\r\nX-API-Key: ${caller.plainKey}\r\n` +
      `Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n${chunked}`,
  );
  t.equal(res.status, 413);
  t.equal(res.headers.connection, 'close');
  t.equal(JSON.parse(res.body).code, 'payload_too_large');
  expectMatchesSpec(t, `POST ${PATH}`, res);
  t.equal(admin.snapshot(), before, 'database unchanged');
});

t.test('a body of exactly 16 KiB is read', async (t) => {
  const admin = await startAdmin(t);
  const caller = createTestKey(admin.store, { org: 'acme' });
  const body = JSON.stringify({ name: 'padded' });
  const padded = body.slice(0, -1) + ' '.repeat(16 * 1024 - body.length) + '}';
  t.equal(Buffer.byteLength(padded), 16 * 1024);
  const res = await call(admin.baseUrl, 'POST', PATH, {
    headers: { ...caller.headers, 'content-type': 'application/json' },
    body: padded,
  });
  t.equal(res.status, 201);
});

t.test('a body left unread closes the connection; a bodiless request keeps it alive', async (t) => {
  const admin = await startAdmin(t);
  const key = createTestKey(admin.store, { org: 'acme' });
  const kept = await rawRequest(admin.port, `GET ${PATH} HTTP/1.1\r\nHost: localhost\r\nX-API-Key: ${key.plainKey}\r\n\r\n`);
  t.equal(kept.status, 200);
  t.equal(kept.headers.connection, 'keep-alive');
  // Refused before the body is read (no key): the 1 MB it announces is never read.
  const refused = await rawRequest(
    admin.port,
    `POST ${PATH} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n{"name":`,
  );
  t.equal(refused.status, 401);
  t.equal(refused.headers.connection, 'close');
  expectMatchesSpec(t, `POST ${PATH}`, refused);
});
