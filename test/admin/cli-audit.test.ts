// Key changes through the CLI are audited (actor `cli` or the operator's
// --created-by / --revoked-by, no client address), and `audit list` prints
// the log as {"auditEvents": [...]}, oldest first, with its filters.
import t from 'tap';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';

const envFor = (t: Parameters<typeof tempDir>[0]) => ({ DATABASE_PATH: join(tempDir(t), 'bullseye.db') });

const rowCount = (dbPath: string): number => {
  const db = new Database(dbPath, { readonly: true });
  try {
    return db.prepare('SELECT count(*) FROM audit_events').pluck().get() as number;
  } finally {
    db.close();
  }
};

t.test('CLI creation and revocation are one event each', async (t) => {
  const env = envFor(t);
  const created = await runCli(['keys', 'create', '--org', 'acme', '--name', 'boot', '--scopes', 'read,admin'], env);
  t.equal(created.code, 0, created.stderr);
  const { apiKey } = created.json;
  const revoked = await runCli(['keys', 'revoke', apiKey.id], env);
  t.equal(revoked.code, 0, revoked.stderr);
  t.equal((await runCli(['keys', 'revoke', apiKey.id], env)).code, 0, 'revoking again succeeds');
  t.equal(rowCount(env.DATABASE_PATH), 2, 'but is not a new event');

  const listed = await runCli(['audit', 'list'], env);
  t.equal(listed.code, 0, listed.stderr);
  t.equal(listed.stderr, '');
  const [creation, revocation] = listed.json.auditEvents;
  t.same(creation, {
    id: 1,
    at: apiKey.createdAt,
    actor: 'cli',
    clientAddress: null,
    action: 'key.created',
    keyId: apiKey.id,
    organizationId: 'acme',
    keyPrefix: apiKey.keyPrefix,
    scopes: ['read', 'admin'],
    details: null,
  });
  t.match(revocation, { id: 2, at: /Z$/, actor: 'cli', clientAddress: null, action: 'key.revoked', keyId: apiKey.id, scopes: null });
  t.equal(listed.json.auditEvents.length, 2);
  t.notMatch(listed.stdout, created.json.plainKey.slice(9), 'the plain key is not in the log');
});

t.test('--created-by and --revoked-by name the actor', async (t) => {
  const env = envFor(t);
  const created = await runCli(['keys', 'create', '--partner', 'p-1', '--name', 'x', '--created-by', 'alice@ops'], env);
  const id = created.json.apiKey.id;
  t.equal((await runCli(['keys', 'revoke', id, '--revoked-by', 'bob@ops'], env)).code, 0);
  const listed = await runCli(['audit', 'list', '--partner', 'p-1'], env);
  t.same(
    listed.json.auditEvents.map((e: { actor: string; action: string; partnerId: string }) => [e.actor, e.action, e.partnerId]),
    [
      ['alice@ops', 'key.created', 'p-1'],
      ['bob@ops', 'key.revoked', 'p-1'],
    ],
  );
  const blank = await runCli(['keys', 'revoke', id, '--revoked-by', ' '], env);
  t.equal(blank.code, 1);
  t.match(blank.stderr, /--revoked-by/);
});

t.test('audit list filters by owner, time and count', async (t) => {
  const env = envFor(t);
  const make = async (...owner: string[]) => (await runCli(['keys', 'create', ...owner, '--name', 'k'], env)).json.apiKey;
  const acme = await make('--org', 'acme');
  const partner = await make('--partner', 'acme');
  const globex = await make('--org', 'globex');
  const keyIds = (res: { json: { auditEvents: { keyId: string }[] } }) => res.json.auditEvents.map((e) => e.keyId);

  t.same(keyIds(await runCli(['audit', 'list', '--org', 'acme'], env)), [acme.id]);
  t.same(keyIds(await runCli(['audit', 'list', '--partner', 'acme'], env)), [partner.id]);
  t.same(keyIds(await runCli(['audit', 'list', '--org', 'nobody'], env)), []);
  t.same(keyIds(await runCli(['audit', 'list', '--since', '2999-01-01T00:00:00Z'], env)), []);
  t.same(keyIds(await runCli(['audit', 'list', '--since', '2000-01-01T00:00:00+02:00'], env)), [acme.id, partner.id, globex.id]);

  const limited = await runCli(['audit', 'list', '--limit', '2'], env);
  t.equal(limited.code, 0);
  t.same(keyIds(limited), [partner.id, globex.id], 'the most recent two, oldest first');
  t.match(limited.stderr, /only the 2 most recent events are shown/);
  const exact = await runCli(['audit', 'list', '--limit', '3'], env);
  t.equal(exact.stderr, '', 'no note when nothing was left out');
});

t.test('audit list usage errors exit 1 and print nothing to stdout', async (t) => {
  const env = envFor(t);
  const cases: Array<[string[], RegExp]> = [
    [['--org', 'a', '--partner', 'b'], /at most one of --org/],
    [['--org', 'ac.me'], /organization id must be/],
    [['--since', 'yesterday'], /--since must be an RFC 3339/],
    [['--since', '2026-01-01T00:00:00'], /--since must be an RFC 3339/],
    [['--limit', '0'], /--limit must be an integer from 1 to 100000/],
    [['--limit', '100001'], /--limit must be/],
    [['--limit', '1e3'], /--limit must be/],
    [['--limit', '-1'], /--limit|argument missing/],
    [['--key', 'x'], /Unknown option '--key'/],
    [['extra'], /nexpected argument/],
  ];
  for (const [args, message] of cases) {
    const res = await runCli(['audit', 'list', ...args], env);
    t.equal(res.code, 1, args.join(' '));
    t.match(res.stderr, message, args.join(' '));
    t.equal(res.stdout, '', args.join(' '));
  }
});

t.test('audit --help and audit list --help', async (t) => {
  const group = await runCli(['audit', '--help'], {});
  t.equal(group.code, 0);
  t.match(group.stdout, /Usage: bullseye-gateway audit <command>[\s\S]*list/);
  const leaf = await runCli(['audit', 'list', '--help'], {});
  t.equal(leaf.code, 0);
  t.match(leaf.stdout, /--org ORG_ID[\s\S]*--partner PARTNER_ID[\s\S]*--since[\s\S]*--limit/);
});
