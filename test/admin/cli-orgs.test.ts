// `orgs add ORG_ID [--agency]`.
import t from 'tap';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';

t.test('orgs add registers, is idempotent, and refuses to change the kind', async (t) => {
  const env = { DATABASE_PATH: join(tempDir(t), 'bullseye.db') };
  const added = await runCli(['orgs', 'add', 'agency-1', '--agency'], env);
  t.equal(added.code, 0, added.stderr);
  t.match(added.json, { organization: { id: 'agency-1', agency: true, createdAt: /Z$/ } });
  const again = await runCli(['orgs', 'add', 'agency-1', '--agency'], env);
  t.equal(again.code, 0);
  t.match(again.stderr, /already registered/);
  const changed = await runCli(['orgs', 'add', 'agency-1'], env);
  t.equal(changed.code, 1);
  t.match(changed.stderr, /already exists as an agency/);
  const standard = await runCli(['orgs', 'add', 'acme'], env);
  t.match(standard.json, { organization: { id: 'acme', agency: false } });
});

t.test('orgs add usage errors', async (t) => {
  const env = { DATABASE_PATH: join(tempDir(t), 'bullseye.db') };
  for (const args of [[], ['a b'], ['acme', 'extra'], ['acme', '--agency=yes'], ['acme', '--kind', 'agency']]) {
    const res = await runCli(['orgs', 'add', ...args], env);
    t.equal(res.code, 1, args.join(' '));
    t.equal(res.stdout, '');
  }
});
