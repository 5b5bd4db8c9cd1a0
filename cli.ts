#!/usr/bin/env node
// The `bullseye-gateway` entry point. It only builds the command tree and
// binds it to this process (argv, env, stdout/stderr, signals); every command
// lives in its own module and runs in-process in tests.
import pino, { type DestinationStream } from 'pino';
import { runCommandTree, type CliIo, type CommandGroup } from './core/cli-kit.js';
import { adminPlaneCommands } from './admin/commands/index.js';
import { gatewayCommand } from './gateway/commands/gateway.js';
import { startCommand } from './gateway/commands/start.js';
import { policyCommands } from './config/commands/policy-check.js';

const root: CommandGroup = {
  summary: 'Bullseye Gateway: API key authentication and rate limiting in front of the Bullseye API.',
  commands: {
    start: startCommand,
    gateway: gatewayCommand,
    ...adminPlaneCommands,
    policy: policyCommands,
  },
};

/**
 * Log lines go to fd 1 asynchronously and buffered: 4 KiB at a time, or whatever is pending every
 * 100 ms. A synchronous write per line cost the gateway about a quarter of its throughput at
 * LOG_LEVEL=info, and an unbuffered asynchronous one still a thread-pool round trip per line. At most
 * 16 MiB wait while stdout is blocked (a stalled log collector); past that, lines are dropped rather
 * than the process growing or stalling. pino flushes what is pending when the process exits.
 */
function logDestinationOnStdout(): DestinationStream {
  const destination = pino.destination({ dest: 1, sync: false, minLength: 4096, maxLength: 16 * 1024 * 1024 });
  // sonic-boom's flush() writes even with nothing buffered (a 0-byte write), so the timer flushes
  // only on the three ticks after the last line, then an idle process writes nothing. A write still
  // in flight at one tick (flush does nothing then) has finished by a later one, which flushes its tail.
  const QUIET_TICKS = 3;
  let quietTicks = QUIET_TICKS;
  setInterval(() => {
    if (quietTicks >= QUIET_TICKS) return;
    quietTicks++;
    try {
      destination.flush();
    } catch {
      // Destroyed (stdout closed): nothing can be written any more.
    }
  }, 100).unref();
  return {
    write(line: string) {
      quietTicks = 0;
      destination.write(line);
    },
  };
}

const io: CliIo = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  waitForShutdown: () =>
    new Promise((resolve) => {
      // once: a second signal during shutdown gets Node's default (exit at once).
      process.once('SIGTERM', () => resolve('SIGTERM'));
      process.once('SIGINT', () => resolve('SIGINT'));
    }),
  onReloadSignal: (listener) => {
    process.on('SIGHUP', listener);
    return () => void process.off('SIGHUP', listener);
  },
  logDestination: logDestinationOnStdout(),
};

process.exitCode = await runCommandTree(root, 'bullseye-gateway', process.argv.slice(2), process.env, io);
