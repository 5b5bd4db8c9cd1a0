// The version, read once from package.json, everywhere it is shown: the CLI
// (--version and `version`, in-process and as the built process, which reads
// package.json from beside dist/), the start-up log lines, and /readyz on
// every ops listener, ready or not.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import t from 'tap';
import { runCommandTree, versionCommand, type CliIo, type CommandGroup } from '../../core/cli-kit.js';
import { createOpsServer } from '../../core/ops-server.js';
import { VERSION } from '../../core/version.js';
import { runCli } from '../helpers/cli-process.js';
import { TEST_POLICY, writeTestPolicy } from '../helpers/gateway.js';
import { call } from '../helpers/http.js';
import { startUpstream, tempDir } from '../helpers/split.js';

// Tests run from the repository root (as dist/cli.js is found): read the file independently.
const PACKAGE_VERSION = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version;

t.test("VERSION is package.json's version", async (t) => {
  t.match(PACKAGE_VERSION, /^\d+\.\d+\.\d+/);
  t.equal(VERSION, PACKAGE_VERSION);
});

t.test('--version at the root and the version command print it alone on a line', async (t) => {
  const root: CommandGroup = { summary: 'tool', commands: { version: versionCommand, other: { summary: 'a group', commands: {} } } };
  const run = async (argv: string[]) => {
    const out = { stdout: '', stderr: '' };
    const io: CliIo = {
      stdout: (text) => void (out.stdout += text),
      stderr: (text) => void (out.stderr += text),
      waitForShutdown: () => new Promise(() => undefined),
      onReloadSignal: () => () => undefined,
    };
    return { code: await runCommandTree(root, 'tool', argv, {}, io), ...out };
  };
  t.same(await run(['--version']), { code: 0, stdout: `${PACKAGE_VERSION}\n`, stderr: '' });
  t.same(await run(['version']), { code: 0, stdout: `${PACKAGE_VERSION}\n`, stderr: '' });
  const extra = await run(['version', 'extra']);
  t.equal(extra.code, 1, 'an argument is a usage error');
  t.match(extra.stderr, /unexpected argument 'extra'/i);
  t.match((await run(['--help'])).stdout, /version\s+Print the version/, 'listed in the help');
});

t.test('the built CLI prints it (package.json found from dist/)', async (t) => {
  for (const args of [['--version'], ['version']]) {
    const process = runCli(t, args, {});
    t.equal(await process.exited, 0, `${args[0]}: exit 0`);
    t.same(process.lines, [PACKAGE_VERSION], `${args[0]}: the version alone`);
    t.equal(process.stderr(), '');
  }
});

t.test('start: both listening lines and /readyz carry it', async (t) => {
  const dir = tempDir(t, 'bullseye-version');
  const upstream = await startUpstream(t);
  const policyPath = join(dir, 'policy.yaml');
  writeTestPolicy(policyPath, { upstream: upstream.origin, admin: upstream.origin }, TEST_POLICY);
  const process = runCli(t, ['start'], {
    HOST: '127.0.0.1',
    GATEWAY_PORT: '0',
    ADMIN_PORT: '0',
    OPS_PORT: '0',
    POLICY_PATH: policyPath,
    DATABASE_PATH: join(dir, 'bullseye.db'),
    LOG_LEVEL: 'info',
  });
  const gateway = JSON.parse(await process.waitForLine(/"msg":"gateway listening"/)) as { opsPort: number; version: string };
  const admin = JSON.parse(await process.waitForLine(/"msg":"admin service listening"/)) as { version: string };
  t.equal(gateway.version, PACKAGE_VERSION, "the gateway's line");
  t.equal(admin.version, PACKAGE_VERSION, "the admin's line");
  const ready = await call(`http://127.0.0.1:${gateway.opsPort}`, 'GET', '/readyz');
  t.equal(ready.status, 200);
  t.equal(ready.json?.version, PACKAGE_VERSION);
  t.equal(await process.stop('SIGTERM'), 0);
});

t.test('/readyz carries it on any ops listener, ready or not', async (t) => {
  let ready = false;
  const ops = createOpsServer({ readiness: () => ({ ready, checks: { thing: ready } }), metrics: new Registry() });
  const { port } = await ops.listen(0, '127.0.0.1');
  t.teardown(() => ops.close());
  const url = `http://127.0.0.1:${port}`;
  const notReady = await call(url, 'GET', '/readyz');
  t.equal(notReady.status, 503);
  t.same(notReady.json, { status: 'not ready', version: PACKAGE_VERSION, checks: { thing: false } });
  ready = true;
  t.same((await call(url, 'GET', '/readyz')).json, { status: 'ready', version: PACKAGE_VERSION, checks: { thing: true } });
});
