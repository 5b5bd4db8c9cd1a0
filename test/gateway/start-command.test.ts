// `bullseye-gateway start` as a real process: admin + gateway + ops listener
// on one SQLite file; a key bootstrapped with the CLI works through the
// gateway; /metrics shows both planes; SIGHUP reloads the policy; SIGTERM
// stops it with exit code 0.
import { join } from 'node:path';
import t from 'tap';
import { runCli as runCliInProcess } from '../helpers/cli.js';
import { runCli } from '../helpers/cli-process.js';
import { TEST_POLICY, writeTestPolicy } from '../helpers/gateway.js';
import { call } from '../helpers/http.js';
import { startUpstream, tempDir } from '../helpers/split.js';

t.test('start: bootstrap, proxy, metrics, policy reload on edit + SIGHUP, SIGTERM', async (t) => {
  const dir = tempDir(t, 'bullseye-start');
  const upstream = await startUpstream(t);
  const policyPath = join(dir, 'policy.yaml');
  const writePolicy = (extra = '') =>
    writeTestPolicy(policyPath, { upstream: upstream.origin, admin: upstream.origin }, TEST_POLICY + extra);
  writePolicy();
  const env = {
    HOST: '127.0.0.1',
    GATEWAY_PORT: '0',
    ADMIN_PORT: '0',
    OPS_PORT: '0',
    POLICY_PATH: policyPath,
    DATABASE_PATH: join(dir, 'data', 'bullseye.db'),
    LOG_LEVEL: 'info',
  };
  const created = await runCliInProcess(['keys', 'create', '--org', 'acme', '--name', 'first', '--scopes', 'read'], env);
  t.equal(created.code, 0);
  const { plainKey } = JSON.parse(created.stdout) as { plainKey: string };

  const process = runCli(t, ['start'], env);
  const { gatewayPort, opsPort } = JSON.parse(await process.waitForLine(/"msg":"gateway listening"/)) as {
    gatewayPort: number;
    opsPort: number;
  };
  const gateway = `http://127.0.0.1:${gatewayPort}`;
  const ops = `http://127.0.0.1:${opsPort}`;
  t.equal((await call(ops, 'GET', '/readyz')).status, 200);
  t.equal((await call(gateway, 'GET', '/api/v1/organization/acme/visitors', { headers: { 'x-api-key': plainKey } })).status, 200);

  const metrics = (await call(ops, 'GET', '/metrics')).text;
  t.match(
    metrics,
    /bullseye_gateway_requests_total\{route="\/api\/v1\/organization\/\{organization_id\}\/visitors",method="GET",status_class="2xx"\} 1/,
  );
  t.match(metrics, /bullseye_admin_keys\{family="org",status="active"\} 1/, 'the admin plane’s series on the same listener');
  t.equal(metrics.match(/^# TYPE bullseye_gateway_process_cpu_user_seconds_total/gm)?.length, 1, 'process metrics once');

  writePolicy('  GET /api/v1/organization/{organization_id}/companies: read\n');
  process.child.kill('SIGHUP');
  await process.waitForLine(/"msg":"policy reloaded"/);
  t.equal((await call(gateway, 'GET', '/api/v1/organization/acme/companies', { headers: { 'x-api-key': plainKey } })).status, 200);

  t.equal(await process.stop('SIGTERM'), 0, 'exit 0');
  t.ok(process.lines.some((line) => line.includes('"msg":"stopped"')));
  t.notOk(process.lines.join('\n').includes(plainKey), 'the key never logged');
});
