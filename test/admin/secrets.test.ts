// The plain key exists in the create response and nowhere else: not in the
// database file or its WAL (key rows and audit log alike), not in any log
// line (at trace level), whether the key came from the API or the CLI, and
// whether it was used well or badly.
import t from 'tap';
import { existsSync, readFileSync } from 'node:fs';
import { startAdmin } from '../helpers/admin.js';
import { runCli } from '../helpers/cli.js';
import { call } from '../helpers/http.js';
import { createTestKey } from '../helpers/keys.js';
import { rawRequest } from '../helpers/raw-http.js';

const databaseBytes = (dbPath: string): Buffer =>
  Buffer.concat(['', '-wal', '-shm', '-journal'].filter((s) => existsSync(dbPath + s)).map((s) => readFileSync(dbPath + s)));

/** The whole key and its random part, as text and as UTF-16 (how SQLite could store text), lower and upper case. */
function needles(plainKey: string): Buffer[] {
  const random = plainKey.slice(plainKey.indexOf('_live_') + 6);
  return [plainKey, random, random.toUpperCase()].flatMap((s) => [Buffer.from(s, 'utf8'), Buffer.from(s, 'utf16le')]);
}

t.test('plain keys never reach the database files or the logs', async (t) => {
  const admin = await startAdmin(t);
  const bootstrap = createTestKey(admin.store, { org: 'acme' });
  const plainKeys = [bootstrap.plainKey];

  const viaApi = await call(admin.baseUrl, 'POST', '/api/v1/organization/acme/api-keys', {
    headers: bootstrap.headers,
    body: { name: 'via api', scopes: ['read', 'admin'] },
  });
  t.equal(viaApi.status, 201);
  plainKeys.push(viaApi.json.plainKey);
  const partner = createTestKey(admin.store, { partner: 'p-1' });
  const viaPartner = await call(admin.baseUrl, 'POST', '/api/v1/partner/api-keys', {
    headers: partner.headers,
    body: { name: 'via partner api' },
  });
  plainKeys.push(partner.plainKey, viaPartner.json.plainKey);
  const viaCli = await runCli(['keys', 'create', '--org', 'acme', '--name', 'via cli'], { DATABASE_PATH: admin.dbPath });
  t.equal(viaCli.code, 0);
  plainKeys.push(viaCli.json.plainKey);

  // Use every key: successfully, in the wrong header, twice, on the wrong organization, after revocation.
  for (const plainKey of plainKeys) {
    const header = plainKey.startsWith('pk_') ? 'x-partner-api-key' : 'x-api-key';
    const wrong = header === 'x-api-key' ? 'x-partner-api-key' : 'x-api-key';
    const path = header === 'x-api-key' ? '/api/v1/organization/acme/api-keys' : '/api/v1/partner/api-keys';
    await call(admin.baseUrl, 'GET', path, { headers: { [header]: plainKey } });
    await call(admin.baseUrl, 'GET', path, { headers: { [wrong]: plainKey } });
    await call(admin.baseUrl, 'GET', '/api/v1/organization/globex/api-keys', { headers: { [header]: plainKey } });
    await call(admin.baseUrl, 'GET', path, { headers: { [header]: `${plainKey}ff` } });
    await rawRequest(
      admin.port,
      `GET ${path} HTTP/1.1\r\nHost: a\r\n${header}: ${plainKey}\r\n${header}: ${plainKey}\r\nConnection: close\r\n\r\n`,
    );
  }
  admin.store.revokeKey(viaCli.json.apiKey.id);
  await call(admin.baseUrl, 'GET', '/api/v1/organization/acme/api-keys', { headers: { 'x-api-key': viaCli.json.plainKey } });
  await admin.activity.flush();

  t.ok(admin.logs.entries().length > 20, 'the requests were logged');
  const logText = Buffer.from(admin.logs.text());
  const whileOpen = databaseBytes(admin.dbPath);
  await admin.close();
  const afterClose = databaseBytes(admin.dbPath);
  t.not(whileOpen.indexOf('via cli'), -1, 'the files searched hold the key rows');
  t.not(afterClose.indexOf('via cli'), -1, 'the checkpointed file holds the key rows');
  t.not(afterClose.indexOf('key.revoked'), -1, 'and the audit log rows');
  for (const plainKey of plainKeys) {
    for (const needle of needles(plainKey)) {
      t.equal(whileOpen.indexOf(needle), -1, `${plainKey.slice(0, 13)}…: not in the database files (open)`);
      t.equal(afterClose.indexOf(needle), -1, `${plainKey.slice(0, 13)}…: not in the database file (checkpointed)`);
      t.equal(logText.indexOf(needle), -1, `${plainKey.slice(0, 13)}…: not in the logs`);
    }
  }
});
