// The serving commands as real processes, configured as a user would: the
// shipped policy routes `start`'s key endpoints to its own admin whatever
// ADMIN_PORT is; a bad configuration is reported whole before anything
// listens (exit 2); the old ADMIN_URL still works and says it is deprecated.
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import t from 'tap';
import { runCli as runCliInProcess } from '../helpers/cli.js';
import { runCli } from '../helpers/cli-process.js';
import { call } from '../helpers/http.js';
import { tempDir } from '../helpers/temp.js';

const SHIPPED_POLICY = resolve('config/policy.yaml');

t.test("start: the shipped policy sends the key routes to this process' admin on any ADMIN_PORT", async (t) => {
  const dir = tempDir(t, 'bullseye-internal-admin');
  const env = {
    HOST: '127.0.0.1',
    GATEWAY_PORT: '0',
    ADMIN_PORT: '0',
    OPS_PORT: '0',
    POLICY_PATH: SHIPPED_POLICY,
    DATABASE_PATH: join(dir, 'bullseye.db'),
  };
  const created = await runCliInProcess(['keys', 'create', '--org', 'acme', '--name', 'first', '--scopes', 'read,write,admin'], env);
  t.equal(created.code, 0);
  const { plainKey, apiKey } = created.json as { plainKey: string; apiKey: { id: string } };

  const process = runCli(t, ['start'], env);
  const { adminPort } = JSON.parse(await process.waitForLine(/"msg":"admin service listening"/)) as { adminPort: number };
  const { gatewayPort } = JSON.parse(await process.waitForLine(/"msg":"gateway listening"/)) as { gatewayPort: number };
  t.not(adminPort, 8081, 'the admin is not on the default port');
  const listed = await call(`http://127.0.0.1:${gatewayPort}`, 'GET', '/api/v1/organization/acme/api-keys', {
    headers: { 'x-api-key': plainKey },
  });
  t.equal(listed.status, 200, 'answered by this process’ admin (its key is known there)');
  t.same(
    (listed.json as { apiKeys: { id: string }[] }).apiKeys.map((key) => key.id),
    [apiKey.id],
  );
  await process.waitForLine(/"listener":"admin".*"status":200|"status":200.*"listener":"admin"/);
  t.equal(await process.stop('SIGTERM'), 0);
});

t.test('start: every configuration problem at once, exit 2, before any listener opens', async (t) => {
  const dir = tempDir(t, 'bullseye-bad-config');
  const run = await runToExit(t, ['start'], {
    GATEWAY_PORT: 'eighty',
    POLICY_PATH: join(dir, 'missing-policy.yaml'),
    REDIS_URL: 'redis://:secret@127.0.0.1:6379/not-a-db',
    DATABASE_PATH: join(dir, 'bullseye.db'),
  });
  t.equal(run.code, 2);
  t.match(run.stderr, /GATEWAY_PORT: must be a port number/);
  t.match(run.stderr, /missing-policy\.yaml/);
  t.match(run.stderr, /REDIS_URL: /);
  t.notMatch(run.stderr, /secret/, 'the Redis password is not repeated');
  t.notMatch(run.stderr, /\.ts\b/, 'no message points at a source file');
  t.notMatch(run.stdout, /listening/, 'nothing listened');
});

t.test('gateway: the shipped policy, no SYNC_URL and a short SYNC_TOKEN are reported together', async (t) => {
  const run = await runToExit(t, ['gateway'], { POLICY_PATH: SHIPPED_POLICY, SYNC_TOKEN: 'short' });
  t.equal(run.code, 2);
  t.match(run.stderr, /SYNC_TOKEN: must be at least 16 characters/);
  t.match(run.stderr, /SYNC_URL is not set/);
  t.match(run.stderr, /upstreams\.admin\.url: admin@internal is the admin service of `bullseye-gateway start`; a gateway alone has none/);
  t.notMatch(run.stdout, /listening/);
});

t.test('gateway: ADMIN_URL still works, with a deprecation line; the feed URL it follows is logged', async (t) => {
  const dir = tempDir(t, 'bullseye-old-name');
  const policyPath = join(dir, 'policy.yaml');
  writeFileSync(policyPath, 'upstreams: { app: http://127.0.0.1:9 }\ndefaults: { upstream: app }\nroutes: { GET /status: public }\n');
  const process = runCli(t, ['gateway'], {
    HOST: '127.0.0.1',
    GATEWAY_PORT: '0',
    OPS_PORT: '0',
    POLICY_PATH: policyPath,
    ADMIN_URL: 'http://127.0.0.1:9',
    SYNC_TOKEN: 'test-sync-token-0123456789abcdef',
  });
  t.match(await process.waitForLine(/ADMIN_URL is deprecated/), /set SYNC_URL instead/);
  t.match(await process.waitForLine(/following the admin change feed/), /"feed":"http:\/\/127\.0\.0\.1:9\/internal\/v1\/keys\/changes"/);
  t.notOk(process.lines.join('\n').includes('test-sync-token'), 'the token is never logged');
  t.equal(await process.stop('SIGTERM'), 0);
});

/** A command that must fail before listening: run as a real process and wait for its exit. */
async function runToExit(t: Parameters<typeof runCli>[0], args: string[], env: Record<string, string>) {
  const process = runCli(t, args, { HOST: '127.0.0.1', OPS_PORT: '0', ADMIN_PORT: '0', ...env });
  const code = await process.exited;
  return { code, stdout: process.lines.join('\n'), stderr: process.stderr() };
}
