// Two real gateway processes (`bullseye-gateway gateway`) follow one admin:
// a revocation through the admin API is refused by both, and each stops
// cleanly on SIGTERM.
import { join } from 'node:path';
import t from 'tap';
import { call } from '../helpers/http.js';
import { createTestKey } from '../helpers/keys.js';
import { spawnGateway, splitGatewayEnv, startSplitAdmin, startUpstream, tempDir } from '../helpers/split.js';

const VISITORS = '/api/v1/organization/acme/visitors';

/** Poll until `url` answers 401 for this key; returns how many requests it took. Bounded. */
async function untilRefused(url: string, headers: Record<string, string>): Promise<number> {
  for (let attempt = 1; attempt <= 2000; attempt++) {
    const { status } = await call(url, 'GET', VISITORS, { headers });
    if (status === 401) return attempt;
    if (status !== 200) throw new Error(`unexpected status ${status}`);
  }
  throw new Error('the gateway never refused the revoked key');
}

t.test('a revocation reaches two gateway processes', async (t) => {
  const dir = tempDir(t, 'bullseye-two');
  const admin = await startSplitAdmin(t, join(dir, 'bullseye.db'));
  const upstream = await startUpstream(t);
  const owner = createTestKey(admin.plane.store, { org: 'acme', scopes: ['admin'] });
  const victim = createTestKey(admin.plane.store, { org: 'acme', scopes: ['read'] });
  const env = splitGatewayEnv(dir, admin, upstream);
  const gateways = await Promise.all([spawnGateway(t, env), spawnGateway(t, env)]);
  for (const gateway of gateways) {
    t.equal((await call(gateway.url, 'GET', VISITORS, { headers: victim.headers })).status, 200, 'accepted before');
  }

  const revoked = await call(admin.adminUrl, 'DELETE', `/api/v1/organization/acme/api-keys/${victim.id}`, {
    headers: owner.headers,
  });
  t.equal(revoked.status, 204);
  for (const gateway of gateways) {
    t.ok((await untilRefused(gateway.url, victim.headers)) >= 1, 'refused after the revocation');
    const refused = await call(gateway.url, 'GET', VISITORS, { headers: victim.headers });
    t.equal(refused.json.code, 'key_revoked');
    t.equal((await call(gateway.url, 'GET', VISITORS, { headers: owner.headers })).status, 200, 'other keys unaffected');
  }

  for (const gateway of gateways) {
    t.equal(await gateway.process.stop('SIGTERM'), 0, 'exit 0 on SIGTERM');
    t.ok(
      gateway.process.lines.some((line) => line.includes('"msg":"stopped"')),
      'logged its clean stop',
    );
    t.notMatch(gateway.process.lines.join('\n'), new RegExp(victim.plainKey), 'the key never appears in its logs');
  }
});
