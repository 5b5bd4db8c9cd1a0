// The command tree: dispatch, help, and one mapping from failures to exit codes.
import t from 'tap';
import { parseCommandArgs, runCommandTree, type CliIo, type CommandGroup } from '../../core/cli-kit.js';
import { ConfigError, UsageError } from '../../core/errors.js';

function io() {
  const out = { stdout: '', stderr: '' };
  const value: CliIo = {
    stdout: (text) => void (out.stdout += text),
    stderr: (text) => void (out.stderr += text),
    waitForShutdown: () => new Promise(() => undefined),
    onReloadSignal: () => () => undefined,
  };
  return { io: value, out };
}

const leaf = (fail?: Error) => ({
  summary: 'a leaf',
  help: 'Usage: tool group leaf',
  run: async (argv: string[]) => {
    if (fail) throw fail;
    return argv.length;
  },
});

const root: CommandGroup = {
  summary: 'tool',
  commands: {
    group: { summary: 'a group', commands: { leaf: leaf() } },
    usage: leaf(new UsageError('bad flag')),
    config: leaf(new ConfigError('bad settings', ['PORT is wrong'])),
    crash: leaf(new Error('disk on fire')),
  },
};

t.test('dispatches through groups and returns the command’s code', async (t) => {
  const { io: cli } = io();
  t.equal(await runCommandTree(root, 'tool', ['group', 'leaf', 'a', 'b'], {}, cli), 2);
});

t.test('failures map to exit codes and messages on stderr', async (t) => {
  const cases: Array<[string, number, RegExp]> = [
    ['usage', 1, /error: bad flag\nRun 'tool usage --help' for usage/],
    ['config', 2, /error: bad settings\n {2}- PORT is wrong/],
    ['crash', 1, /error: disk on fire/],
  ];
  for (const [name, code, message] of cases) {
    const { io: cli, out } = io();
    t.equal(await runCommandTree(root, 'tool', [name], {}, cli), code, name);
    t.match(out.stderr, message, name);
    t.equal(out.stdout, '');
  }
});

t.test('help text ends with a newline and lists subcommands', async (t) => {
  const { io: cli, out } = io();
  t.equal(await runCommandTree(root, 'tool', ['group', 'leaf', '--help'], {}, cli), 0);
  t.equal(out.stdout, 'Usage: tool group leaf\n');
  const group = io();
  t.equal(await runCommandTree(root, 'tool', ['group', '-h'], {}, group.io), 0);
  t.match(group.out.stdout, /Usage: tool group <command>[\s\S]*leaf {2}a leaf/);
});

t.test('parseCommandArgs turns parse failures into usage errors', async (t) => {
  t.throws(() => parseCommandArgs(['--nope'], {}), UsageError);
  t.throws(() => parseCommandArgs([], {}, { min: 1, max: 1, names: ['FILE'] }), { message: 'missing FILE' });
  t.throws(() => parseCommandArgs(['a', 'b'], {}, { min: 1, max: 1 }), { message: "unexpected argument 'b'" });
  t.same(parseCommandArgs(['--x', '1', 'pos'], { x: { type: 'string' } }, { min: 1, max: 1 }), {
    values: { x: '1' },
    positionals: ['pos'],
  });
});
