// `bullseye-gateway start` (admin and gateway in one process) is ready only
// while its admin can write the database: the ops listener's /readyz carries
// `store`, turns 503 once a write finds the database unwritable after start,
// and 200 again once a probe finds it writable. The fault is real: the
// database on a small tmpfs that fills up (test/helpers/store-faults.ts).
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { runCli } from '../helpers/cli-process.js';
import { TEST_POLICY, writeTestPolicy } from '../helpers/gateway.js';
import { call } from '../helpers/http.js';
import { fillDisk, seedDatabase, smallDisk, tmpfsAllowed } from '../helpers/store-faults.js';
import { tempDir } from '../helpers/temp.js';
import { startUpstream } from '../helpers/upstream.js';

const noTmpfs = tmpfsAllowed() ? false : 'mounting a small tmpfs is not allowed here';

t.test(
  'start: the disk under the database fills up, /readyz turns 503 with store false, then 200 once it has room',
  { skip: noTmpfs },
  async (t) => {
    const disk = smallDisk(t, '4m');
    mkdirSync(join(disk, 'data'));
    const dbPath = join(disk, 'data', 'bullseye.db');
    const plainKey = seedDatabase(dbPath);
    const upstream = await startUpstream(t);
    const policyPath = join(tempDir(t, 'bullseye-start-store'), 'policy.yaml');
    writeTestPolicy(policyPath, { upstream: upstream.origin, admin: upstream.origin }, TEST_POLICY);
    const cli = runCli(t, ['start'], {
      HOST: '127.0.0.1',
      GATEWAY_PORT: '0',
      ADMIN_PORT: '0',
      OPS_PORT: '0',
      POLICY_PATH: policyPath,
      DATABASE_PATH: dbPath,
      LOG_LEVEL: 'info',
    });
    const { opsPort } = JSON.parse(await cli.waitForLine(/"msg":"gateway listening"/)) as { opsPort: number };
    const { adminPort } = JSON.parse(await cli.waitForLine(/"msg":"admin service listening"/)) as { adminPort: number };
    const ops = `http://127.0.0.1:${opsPort}`;
    const admin = `http://127.0.0.1:${adminPort}`;
    const create = (name: string) =>
      call(admin, 'POST', '/api/v1/organization/acme/api-keys', { headers: { 'x-api-key': plainKey }, body: { name } });

    const before = await call(ops, 'GET', '/readyz');
    t.equal(before.status, 200, 'ready at start');
    t.match(before.json, { status: 'ready', checks: { store: true, replicaLoaded: true } });

    const filler = fillDisk(disk);
    const refused = await create('while full');
    t.equal(refused.status, 503, 'the write that meets the full disk is refused');
    t.match(refused.json, { code: 'store_unavailable' });
    t.equal(refused.headers['retry-after'], '5');
    const full = await call(ops, 'GET', '/readyz');
    t.equal(full.status, 503, 'the whole process reports not ready');
    t.match(full.json, { status: 'not ready', checks: { store: false } });

    rmSync(filler);
    const after = await call(ops, 'GET', '/readyz');
    t.equal(after.status, 200, 'a probe found the database writable again');
    t.match(after.json, { status: 'ready', checks: { store: true } });
    t.equal((await create('after')).status, 201, 'and writes work');

    t.equal(await cli.stop('SIGTERM'), 0, 'exit 0');
    const logged = cli.lines.map((line) => JSON.parse(line) as { msg: string; database?: string });
    t.equal(logged.filter((e) => e.msg.startsWith('database writes are failing')).length, 1, 'the failure is logged once');
    t.ok(
      logged.some((e) => e.msg === 'database writable again' && e.database === dbPath),
      'and the recovery',
    );
  },
);
