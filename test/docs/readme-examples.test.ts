// The README's "Quick start" and "The key API" sh blocks run, in that order,
// against a fresh `bullseye-gateway start` (a real process, on a new database
// and free ports) and answer what their comments promise. Each block is taken
// from README.md as it is; only the ports (localhost:8080 / 8081) and the CLI
// path (node dist/cli.js) are rewritten. One bash runs every command in turn,
// so variables carry over as in a reader's shell; a command whose line ends in
// `# STATUS [BODY]` must get that HTTP status, and print BODY, where `...`
// stands for anything (no BODY: prints nothing).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import t from 'tap';
import { openStore } from '../../admin/store/key-store.js';
import { systemClock } from '../../core/clock.js';
import { createLogger } from '../../core/logger.js';
import { CLI, runCli } from '../helpers/cli-process.js';
import { call } from '../helpers/http.js';
import { tempDir } from '../helpers/temp.js';

/** The sh block that follows `heading`, or the one whose first line starts with `firstLine`. */
function shBlock(readme: string, where: { heading: string } | { firstLine: string }): string {
  const blocks = [...readme.matchAll(/^```sh\n([\s\S]*?)^```$/gm)];
  const heading = 'heading' in where ? readme.indexOf(`\n${where.heading}`) : -1;
  const found =
    'heading' in where ? blocks.find((b) => heading >= 0 && b.index > heading) : blocks.find((b) => b[1]?.startsWith(where.firstLine));
  if (!found?.[1]) throw new Error(`README.md: no sh block for ${JSON.stringify(where)}`);
  return found[1];
}

interface Step {
  command: string;
  /** From a trailing `# 204` or `# 200 {"apiKeys":[...]}`. */
  expect?: { status: number; body?: string };
}

/** Commands (backslash continuations joined), without blank and comment-only lines. */
function stepsOf(block: string): Step[] {
  const commands = block.split(/(?<!\\)\n/).filter((line) => line.trim() && !line.trim().startsWith('#'));
  return commands.map((command) => {
    const promise = /\s#\s+(\d{3})(?:\s+([{[].*?))?\s*$/.exec(command);
    if (!promise) return { command };
    return { command, expect: { status: Number(promise[1]), ...(promise[2] ? { body: promise[2] } : {}) } };
  });
}

/** A body sketch as a whole-output pattern: literal text, `...` for anything. */
const sketchPattern = (sketch: string): RegExp =>
  new RegExp(
    `^${sketch
      .split('...')
      .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
    's',
  );

/** What one stream printed up to the marker line bash writes after each command. */
function streamReader(stream: Readable): { next(): Promise<string> } {
  let text = '';
  let ended = false;
  let waiter: { resolve(out: string): void; reject(err: Error): void } | undefined;
  const settle = (): void => {
    if (!waiter) return;
    const lineEnd = text.indexOf('\n', text.indexOf('\n@@end') + 1);
    if (text.includes('\n@@end') && lineEnd !== -1) {
      const out = text.slice(0, lineEnd + 1);
      text = text.slice(lineEnd + 1);
      waiter.resolve(out);
      waiter = undefined;
    } else if (ended) {
      waiter.reject(new Error(`bash ended; it printed: ${text}`));
    }
  };
  stream.on('data', (chunk: Buffer) => {
    text += chunk.toString();
    settle();
  });
  stream.on('end', () => {
    ended = true;
    settle();
  });
  return {
    next: () =>
      new Promise((resolve, reject) => {
        waiter = { resolve, reject };
        settle();
      }),
  };
}

t.test('the Quick start, then the key API examples, on a fresh start', async (t) => {
  const dir = tempDir(t, 'bullseye-readme');
  const databasePath = join(dir, 'data', 'bullseye.db');
  const server = runCli(t, ['start'], {
    DATABASE_PATH: databasePath,
    GATEWAY_PORT: '0',
    ADMIN_PORT: '0',
    OPS_PORT: '0',
    SYNC_PORT: '0',
    LOG_LEVEL: 'info',
  });
  const { adminPort } = JSON.parse(await server.waitForLine(/"msg":"admin service listening"/)) as { adminPort: number };
  const { gatewayPort, opsPort } = JSON.parse(await server.waitForLine(/"msg":"gateway listening"/)) as {
    gatewayPort: number;
    opsPort: number;
  };

  // The CLI writes the database from another process; `start` sees the commit at its next
  // data_version poll. Wait for its replica, so no step depends on how fast the next one starts.
  const replicaCaughtUp = async (): Promise<void> => {
    const store = openStore({ path: databasePath, mustExist: true, clock: systemClock, logger: createLogger({ level: 'silent' }) });
    const seq = store.currentSeq();
    store.close();
    for (const deadline = Date.now() + 10_000; Date.now() < deadline;) {
      if (((await call(`http://127.0.0.1:${opsPort}`, 'GET', '/readyz')).json.checks.replicaSeq as number) >= seq) return;
    }
    throw new Error(`the start process did not see database change ${seq}`);
  };

  const readme = readFileSync('README.md', 'utf8');
  const rewrite = (block: string): string =>
    block
      .replaceAll('localhost:8080', `localhost:${gatewayPort}`)
      .replaceAll('localhost:8081', `localhost:${adminPort}`)
      .replaceAll('node dist/cli.js', `node ${resolve(CLI)}`);
  const blocks = {
    'Quick start': stepsOf(rewrite(shBlock(readme, { heading: '## Quick start' }))),
    'The key API': stepsOf(rewrite(shBlock(readme, { firstLine: 'A=localhost:8081/api/v1' }))),
  };

  const bash = spawn('bash', ['--noprofile', '--norc', '-s'], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '', HOME: dir, DATABASE_PATH: databasePath },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => bash.once('exit', resolve));
  t.teardown(() => void (bash.exitCode === null && bash.kill('SIGKILL')));
  const stdout = streamReader(bash.stdout);
  const stderr = streamReader(bash.stderr);
  // Every curl reports its status on stderr (this -w comes last, so it replaces a command's own).
  bash.stdin.write(`set -o pipefail\ncurl() { command curl "$@" -w '%{stderr}\\n@@status %{http_code}\\n'; }\n`);

  for (const [name, steps] of Object.entries(blocks)) {
    const statuses: number[] = [];
    for (const step of steps) {
      bash.stdin.write(`${step.command}\nprintf '\\n@@end %s\\n' "$?"; printf '\\n@@end\\n' >&2\n`);
      const [out, err] = await Promise.all([stdout.next(), stderr.next()]);
      const printed = out.slice(0, out.lastIndexOf('\n@@end')).trim();
      const exit = /@@end (\d+)\n$/.exec(out)?.[1];
      const label = `${name}: ${step.command.slice(0, 70)}`;
      t.equal(exit, '0', `${label}: exits 0 (stderr: ${err.replace(/@@.*\n/g, '').trim()})`);
      if (step.command.includes(CLI)) await replicaCaughtUp();
      if (!step.expect) continue;
      const answered = [...err.matchAll(/^@@status (\d{3})$/gm)].map((m) => Number(m[1]));
      t.same(answered, [step.expect.status], `${label}: ${step.expect.status}`);
      if (step.expect.body === undefined) t.equal(printed, '', `${label}: prints nothing`);
      else t.match(printed, sketchPattern(step.expect.body), `${label}: prints ${step.expect.body}`);
      statuses.push(step.expect.status);
    }
    // The promises themselves, so an edit that drops a comment does not pass unnoticed.
    t.same(
      statuses,
      name === 'Quick start' ? [200, 204, 401] : [200, 201, 201, 200, 204, 204, 200],
      `${name}: every promised status checked`,
    );
  }
  bash.stdin.end();
  t.equal(await exited, 0, 'bash exits 0');
  t.equal(await server.stop('SIGTERM'), 0, 'start stops cleanly');
});
