// Run the built CLI (dist/cli.js, produced by `npm test`'s build step) as a
// real child process: for multi-process tests, signals and exit codes.
// Waits on the process's own log lines, never on timers.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

interface TestLike {
  teardown(fn: () => void | Promise<void>): void;
}

export const CLI = 'dist/cli.js';

export interface CliProcess {
  child: ChildProcess;
  /** Every stdout line so far. */
  lines: string[];
  stderr(): string;
  /** Resolves with the first stdout line (past or future) matching `pattern`; rejects if the process exits first. */
  waitForLine(pattern: RegExp): Promise<string>;
  /** Send a signal and resolve with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  exited: Promise<number | null>;
}

export function runCli(t: TestLike, args: string[], env: Record<string, string>): CliProcess {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let stderr = '';
  const watchers = new Set<{ pattern: RegExp; resolve: (line: string) => void }>();
  createInterface({ input: child.stdout }).on('line', (line) => {
    lines.push(line);
    for (const watcher of watchers) {
      if (!watcher.pattern.test(line)) continue;
      watchers.delete(watcher);
      watcher.resolve(line);
    }
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  t.teardown(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
  });
  return {
    child,
    lines,
    stderr: () => stderr,
    exited,
    waitForLine(pattern) {
      const seen = lines.find((line) => pattern.test(line));
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        watchers.add({ pattern, resolve });
        void exited.then((code) =>
          reject(new Error(`process exited (${code}) before logging ${pattern}; stderr: ${stderr}\n${lines.join('\n')}`)),
        );
      });
    },
    async stop(signal = 'SIGTERM') {
      child.kill(signal);
      return exited;
    },
  };
}
