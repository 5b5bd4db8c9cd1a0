// .ci/run ends with the failing tests' names (scripts/tap-failures.awk), so a
// red CI says what broke in its last lines. Checked on real tap output: a
// fixture suite that fails on purpose, run by tap in a child process.
import { execFileSync, spawnSync } from 'node:child_process';
import t from 'tap';

t.test('each failing leaf is named with its file and parents; passing tests are not', async (t) => {
  // A tap run nested in this one: without the parent's TAP_* variables it reports as a plain run.
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('TAP')));
  const run = spawnSync(
    process.execPath,
    [
      'node_modules/tap/dist/esm/run.mjs',
      '--reporter=tap',
      '--disable-coverage',
      '--include',
      'test/ci/fixtures/failing.ts',
      '--exclude',
      'none',
    ],
    { env, encoding: 'utf8' },
  );
  t.not(run.status, 0, 'the fixture suite fails');
  const summary = execFileSync('awk', ['-f', 'scripts/tap-failures.awk'], { input: run.stdout, encoding: 'utf8' });
  t.same(summary.trim().split('\n'), [
    'test/ci/fixtures/failing.ts: login > refuses a bad key > status',
    'test/ci/fixtures/failing.ts: top-level failure > not true',
  ]);
});
