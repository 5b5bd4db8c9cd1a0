// --help at every level (stdout, exit 0); a missing or unknown command is a
// usage error (stderr, exit 1).
import t from 'tap';
import { runCli } from '../helpers/cli.js';

t.test('--help at every level', async (t) => {
  const cases: Array<[string[], RegExp]> = [
    [['--help'], /Commands:[\s\S]*admin[\s\S]*keys[\s\S]*orgs/],
    [['-h'], /Commands:/],
    [['help'], /Commands:/],
    [['keys', '--help'], /Usage: bullseye-gateway keys <command>[\s\S]*create[\s\S]*list[\s\S]*rotate[\s\S]*update[\s\S]*revoke/],
    [['orgs', '--help'], /add/],
    [['admin', '--help'], /ADMIN_PORT[\s\S]*SYNC_TOKEN[\s\S]*DATABASE_PATH/],
    [['keys', 'create', '--help'], /--org ORG_ID[\s\S]*--expires-at/],
    [['keys', 'create', '--org', 'acme', '-h'], /Usage: bullseye-gateway keys create/],
    [['keys', 'list', '--help'], /Usage: bullseye-gateway keys list/],
    [['keys', 'revoke', '--help'], /Usage: bullseye-gateway keys revoke KEY_ID/],
    [['keys', 'create', '--help'], /--allowed-ips a,b/],
    [['keys', 'rotate', '--help'], /Usage: bullseye-gateway keys rotate KEY_ID[\s\S]*--grace DURATION[\s\S]*DATABASE_PATH/],
    [['keys', 'update', '--help'], /Usage: bullseye-gateway keys update KEY_ID[\s\S]*--no-expiry[\s\S]*--any-ip[\s\S]*DATABASE_PATH/],
    [['orgs', 'add', '--help'], /--agency/],
  ];
  for (const [argv, text] of cases) {
    const res = await runCli(argv, {});
    t.equal(res.code, 0, argv.join(' '));
    t.match(res.stdout, text, argv.join(' '));
    t.equal(res.stderr, '');
  }
});

t.test('missing and unknown commands are usage errors', async (t) => {
  const cases: Array<[string[], RegExp]> = [
    [[], /Usage: bullseye-gateway <command>/],
    [['keys'], /Usage: bullseye-gateway keys <command>/],
    [['frobnicate'], /unknown command 'frobnicate'/],
    [['keys', 'delete'], /unknown command 'delete'/],
    [['keys', 'constructor'], /unknown command 'constructor'/],
    [['admin', '--port', '1'], /Unknown option '--port'/],
  ];
  for (const [argv, text] of cases) {
    const res = await runCli(argv, {});
    t.equal(res.code, 1, argv.join(' '));
    t.match(res.stderr, text, argv.join(' '));
    t.equal(res.stdout, '');
  }
});

t.test('a -- ends the options, so a literal --help is not a request for help', async (t) => {
  const res = await runCli(['keys', 'revoke', '--', '--help'], {});
  t.equal(res.code, 1);
  t.match(res.stderr, /not a key id/);
});
