// `bullseye-gateway policy check FILE`: output and exit codes.
import t from 'tap';
import { loadPolicyFile } from '../../config/policy.js';
import { runCli } from '../helpers/cli.js';

const check = (argv: string[]) => runCli(['policy', 'check', ...argv], {});

t.test('a valid file: summary on stdout, exit 0', async (t) => {
  const policy = loadPolicyFile('config/policy.yaml');
  const result = await check(['config/policy.yaml']);
  t.equal(result.code, 0);
  t.equal(result.stdout, `ok: ${policy.routes.length} routes, 2 upstreams, hash ${policy.hash}\n`);
  t.equal(result.stderr, '');
});

t.test('an invalid file: every problem on stderr, exit 1', async (t) => {
  const file = 'test/config/fixtures/policy/unknown-scope.yaml';
  const result = await check([file]);
  t.equal(result.code, 1);
  t.equal(result.stdout, '');
  t.equal(
    result.stderr,
    `${file}:6: routes."GET /x": unknown scope "raed" (known: read, write, admin, agency:read, agency:write)\n1 problem in ${file}\n`,
  );
});

t.test('a missing file: exit 1 naming it', async (t) => {
  const result = await check(['nope.yaml']);
  t.equal(result.code, 1);
  t.match(result.stderr, /^nope\.yaml: cannot read the file \(ENOENT\)\n/);
});

t.test('usage errors: exit 1 with usage on stderr', async (t) => {
  for (const argv of [[], ['a.yaml', 'b.yaml'], ['--strict']]) {
    const result = await check(argv);
    t.equal(result.code, 1, JSON.stringify(argv));
    t.match(result.stderr, /^error: .*\nRun 'bullseye-gateway policy check --help' for usage\.\n$/);
  }
});

t.test('--help: usage on stdout, exit 0', async (t) => {
  const result = await check(['--help']);
  t.equal(result.code, 0);
  t.match(result.stdout, /^Usage: bullseye-gateway policy check FILE/);
});
