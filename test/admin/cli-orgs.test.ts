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

t.test('orgs list prints every organization by id', async (t) => {
  const env = { DATABASE_PATH: join(tempDir(t), 'bullseye.db') };
  await runCli(['orgs', 'add', 'zeta'], env);
  await runCli(['orgs', 'add', 'alpha', '--agency'], env);
  const listed = await runCli(['orgs', 'list'], env);
  t.equal(listed.code, 0, listed.stderr);
  t.match(listed.json, {
    organizations: [
      { id: 'alpha', agency: true, createdAt: /Z$/ },
      { id: 'zeta', agency: false, createdAt: /Z$/ },
    ],
  });
  t.equal(listed.json.organizations.length, 2);
  t.equal((await runCli(['orgs', 'list', 'extra'], env)).code, 1);
});

t.test('orgs set --agency / --no-agency changes an existing organization', async (t) => {
  const env = { DATABASE_PATH: join(tempDir(t), 'bullseye.db') };
  await runCli(['orgs', 'add', 'acme'], env);
  const refused = await runCli(['keys', 'create', '--org', 'acme', '--name', 'a', '--scopes', 'read,agency:read'], env);
  t.equal(refused.code, 1, 'a standard organization cannot have agency keys');

  const promoted = await runCli(['orgs', 'set', 'acme', '--agency'], env);
  t.equal(promoted.code, 0, promoted.stderr);
  t.match(promoted.json, { organization: { id: 'acme', agency: true } });
  const again = await runCli(['orgs', 'set', 'acme', '--agency'], env);
  t.equal(again.code, 0);
  t.match(again.stderr, /already an agency/);
  const agencyKey = await runCli(['keys', 'create', '--org', 'acme', '--name', 'a', '--scopes', 'read,agency:read'], env);
  t.equal(agencyKey.code, 0, agencyKey.stderr);

  const blocked = await runCli(['orgs', 'set', 'acme', '--no-agency'], env);
  t.equal(blocked.code, 1, 'not while an active key holds an agency scope');
  t.match(blocked.stderr, `revoke them first: ${agencyKey.json.apiKey.id}`);
  t.match((await runCli(['orgs', 'list'], env)).json, { organizations: [{ id: 'acme', agency: true }] }, 'unchanged');

  t.equal((await runCli(['keys', 'revoke', agencyKey.json.apiKey.id], env)).code, 0);
  const demoted = await runCli(['orgs', 'set', 'acme', '--no-agency'], env);
  t.equal(demoted.code, 0, demoted.stderr);
  t.match(demoted.json, { organization: { id: 'acme', agency: false } });
});

t.test('orgs set errors', async (t) => {
  const env = { DATABASE_PATH: join(tempDir(t), 'bullseye.db') };
  const missing = await runCli(['orgs', 'set', 'ghost', '--agency'], env);
  t.equal(missing.code, 1);
  t.match(missing.stderr, /there is no organization ghost/);
  for (const args of [['acme'], ['acme', '--agency', '--no-agency'], ['a b', '--agency'], [], ['acme', '--agency=yes']]) {
    const res = await runCli(['orgs', 'set', ...args], env);
    t.equal(res.code, 1, args.join(' '));
    t.equal(res.stdout, '');
  }
});
