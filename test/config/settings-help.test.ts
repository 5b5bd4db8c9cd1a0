// Each command's --help lists exactly the environment variables the command
// reads. Every command of the tree runs in-process, to completion (the
// long-running ones listen on port 0 and are told to stop once they are up),
// with an environment that records every property it is asked for; the set
// read must equal the set in the command's "Environment" block of --help.
// Nothing besides settings is read from the environment today (no NODE_ENV),
// so no name is ignored: any extra read fails here.
import { join } from 'node:path';
import t from 'tap';
import { COMMAND_TREE } from '../../commands/tree.js';
import { runCommandTree, type CliIo, type Command, type Env } from '../../core/cli-kit.js';
import { TEST_POLICY, writeTestPolicy } from '../helpers/gateway.js';
import { startSplitAdmin, startUpstream, SYNC_TOKEN, tempDir } from '../helpers/split.js';

/** The tree cli.ts mounts (cli.ts itself binds the process, so it is not imported). */
const ROOT = COMMAND_TREE;

/** Recorded when the environment is enumerated (spread, Object.keys): then every variable counts as read. */
const ENUMERATED = '<every variable: the environment was enumerated>';

/** An environment holding `values` that records the name of every variable asked for, set or not. */
function recordingEnv(values: Record<string, string>): { env: Env; read: Set<string> } {
  const read = new Set<string>();
  const note = (name: string | symbol): void => void (typeof name === 'string' && read.add(name));
  const env = new Proxy(
    { ...values },
    {
      get: (target, name) => (note(name), Reflect.get(target, name)),
      has: (target, name) => (note(name), Reflect.has(target, name)),
      getOwnPropertyDescriptor: (target, name) => (note(name), Reflect.getOwnPropertyDescriptor(target, name)),
      ownKeys: (target) => (read.add(ENUMERATED), Reflect.ownKeys(target)),
    },
  );
  return { env, read };
}

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
  logs: string;
}

/** Run `argv` in-process; a long-running command is asked to stop as soon as it waits for a signal (its listeners are up). */
async function run(argv: string[], env: Env): Promise<Ran> {
  let stdout = '';
  let stderr = '';
  let logs = '';
  const io: CliIo = {
    stdout: (text) => void (stdout += text),
    stderr: (text) => void (stderr += text),
    waitForShutdown: () => Promise.resolve('SIGTERM'),
    onReloadSignal: () => () => undefined,
    logDestination: { write: (line: string) => void (logs += line) },
  };
  const code = await runCommandTree(ROOT, 'bullseye-gateway', argv, env, io);
  return { code, stdout, stderr, logs };
}

/** The variable names of the help's "Environment" block (first column), or none without one. */
function listedVariables(help: string): string[] {
  const blocks = help.match(/^Environment\b.*$/gm) ?? [];
  if (blocks.length === 0) return [];
  if (blocks.length > 1) throw new Error(`more than one Environment block:\n${help}`);
  const block = /^Environment \(defaults in brackets\):\n((?: {2}\S.*\n?)*)/m.exec(help);
  if (!block) throw new Error(`an Environment block not in the table form:\n${help}`);
  return (block[1] ?? '')
    .split('\n')
    .filter(Boolean)
    .map((line) => line.trim().split(/\s+/)[0] as string);
}

/** Every leaf's command line, e.g. "keys create". */
function leafPaths(command: Command, prefix: string[] = []): string[] {
  if (!('commands' in command)) return [prefix.join(' ')];
  return Object.entries(command.commands).flatMap(([name, child]) => leafPaths(child, [...prefix, name]));
}

interface Case {
  argv: string[];
  env: Record<string, string>;
  /** A log line that shows a long-running command got as far as listening. */
  listening?: RegExp;
}

t.test('every command reads exactly the variables its --help lists', async (t) => {
  const dir = tempDir(t, 'bullseye-settings-help');
  const upstream = await startUpstream(t);
  const policyPath = join(dir, 'policy.yaml');
  writeTestPolicy(policyPath, { upstream: upstream.origin, admin: upstream.origin }, TEST_POLICY);
  const feedAdmin = await startSplitAdmin(t, join(dir, 'feed-admin.db'));
  const offline = { DATABASE_PATH: join(dir, 'offline', 'bullseye.db') };
  const listeners = { HOST: '127.0.0.1', GATEWAY_PORT: '0', ADMIN_PORT: '0', SYNC_PORT: '0', OPS_PORT: '0', LOG_LEVEL: 'info' };

  // In order: later offline commands use the key and organization earlier ones made.
  const cases: Record<string, () => Case> = {
    start: () => ({
      argv: ['start'],
      env: { ...listeners, POLICY_PATH: policyPath, DATABASE_PATH: join(dir, 'start.db'), SYNC_TOKEN },
      listening: /"msg":"gateway listening"/,
    }),
    gateway: () => ({
      argv: ['gateway'],
      env: { ...listeners, POLICY_PATH: policyPath, SYNC_URL: feedAdmin.syncUrl, SYNC_TOKEN },
      listening: /"msg":"gateway listening"/,
    }),
    admin: () => ({
      argv: ['admin'],
      env: { ...listeners, DATABASE_PATH: join(dir, 'admin.db'), SYNC_TOKEN },
      listening: /"msg":"ops listener[^"]*listening"/,
    }),
    'keys create': () => ({ argv: ['keys', 'create', '--org', 'acme', '--name', 'first'], env: offline }),
    'keys list': () => ({ argv: ['keys', 'list', '--org', 'acme'], env: offline }),
    'keys rotate': () => ({ argv: ['keys', 'rotate', createdKeyId], env: offline }),
    'keys update': () => ({ argv: ['keys', 'update', createdKeyId, '--name', 'renamed'], env: offline }),
    'keys usage': () => ({ argv: ['keys', 'usage', createdKeyId], env: offline }),
    'keys revoke': () => ({ argv: ['keys', 'revoke', createdKeyId], env: offline }),
    'orgs add': () => ({ argv: ['orgs', 'add', 'umbrella'], env: offline }),
    'orgs set': () => ({ argv: ['orgs', 'set', 'umbrella', '--agency'], env: offline }),
    'orgs list': () => ({ argv: ['orgs', 'list'], env: offline }),
    'audit list': () => ({ argv: ['audit', 'list'], env: offline }),
    'policy check': () => ({ argv: ['policy', 'check', policyPath], env: offline }),
    'policy routes': () => ({ argv: ['policy', 'routes', policyPath], env: offline }),
    'policy explain': () => ({ argv: ['policy', 'explain', policyPath, 'GET', '/api/v1/organization/acme/visitors'], env: offline }),
    version: () => ({ argv: ['version'], env: offline }),
  };
  let createdKeyId = '';

  t.same(leafPaths(ROOT).sort(), Object.keys(cases).sort(), 'every command of the tree has a case here');

  for (const [path, makeCase] of Object.entries(cases)) {
    await t.test(path, async (t) => {
      const { argv, env, listening } = makeCase();
      const help = await run([...path.split(' '), '--help'], {});
      t.equal(help.code, 0, '--help exits 0');
      const listed = listedVariables(help.stdout);

      const { env: recording, read } = recordingEnv(env);
      const ran = await run(argv, recording);
      t.equal(ran.code, 0, `runs to completion (stderr: ${ran.stderr.trim()})`);
      if (listening) t.match(ran.logs, listening, 'got as far as listening before it was stopped');
      if (path === 'keys create') createdKeyId = (JSON.parse(ran.stdout) as { apiKey: { id: string } }).apiKey.id;

      t.same([...read].sort(), [...listed].sort(), 'the variables read are the variables listed');
      t.equal(new Set(listed).size, listed.length, 'each listed once');
    });
  }
});
