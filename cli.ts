#!/usr/bin/env node
// The `bullseye-gateway` entry point. It only builds the command tree and
// binds it to this process (argv, env, stdout/stderr, signals); every command
// lives in its own module and runs in-process in tests.
import pino, { type DestinationStream } from 'pino';
import { runCommandTree, type CliIo } from './core/cli-kit.js';
import { COMMAND_TREE } from './commands/tree.js';

/** How long the last log lines may take to reach stdout once the command is done. */
const FINAL_FLUSH_MS = 300;
/** Past the final flush, a write still retrying against a stalled stdout must not keep the process alive. */
const EXIT_AFTER_FLUSH_MS = 100;

interface StdoutLog {
  destination: DestinationStream;
  /** Flush what is pending for at most `boundMs`, then stop writing (what is left is dropped). */
  close(boundMs: number): Promise<void>;
}

/**
 * Log lines go to fd 1 asynchronously and buffered: 4 KiB at a time, or whatever is pending every
 * 100 ms: a synchronous write per line blocks the event loop on every request at LOG_LEVEL=info, and
 * an unbuffered asynchronous one still costs a thread-pool round trip per line. At most
 * 16 MiB wait while stdout is blocked (a stalled log collector); past that, lines are dropped rather
 * than the process growing or stalling. A log write never blocks and never keeps the process alive:
 * once stdout fails (EPIPE: the reader went away) lines are dropped, and the last flush is bounded
 * by close(). sonic-boom's own exit-time flushSync retries EPIPE (and EAGAIN) forever, so the stream
 * is destroyed after close() and that flush never runs.
 */
function logDestinationOnStdout(): StdoutLog {
  const destination = pino.destination({ dest: 1, sync: false, minLength: 4096, maxLength: 16 * 1024 * 1024 });
  let open = true;
  destination.on('error', () => {
    open = false;
  });
  // sonic-boom's flush() writes even with nothing buffered (a 0-byte write), so the timer flushes
  // only on the three ticks after the last line, then an idle process writes nothing. A write still
  // in flight at one tick (flush does nothing then) has finished by a later one, which flushes its tail.
  const QUIET_TICKS = 3;
  let quietTicks = QUIET_TICKS;
  setInterval(() => {
    if (!open || quietTicks >= QUIET_TICKS) return;
    quietTicks++;
    destination.flush();
  }, 100).unref();
  return {
    destination: {
      write(line: string) {
        if (!open) return;
        quietTicks = 0;
        destination.write(line);
      },
    },
    // end(), not flush(cb): flush's callback fires on 'drain', which sonic-boom also emits when a
    // write completes with less than minLength still buffered, so the last lines (the "stopped"
    // line) could be dropped; end() writes everything buffered, then closes.
    close: (boundMs) =>
      new Promise<void>((resolve) => {
        let closed = false;
        const done = (): void => {
          clearTimeout(timer);
          open = false;
          // Still open (a stalled or dead stdout): destroyed, so sonic-boom's exit-time flush never runs.
          if (!closed) destination.destroy();
          resolve();
        };
        const timer = setTimeout(done, boundMs);
        if (!open) return done();
        open = false;
        destination.once('close', () => {
          closed = true;
          done();
        });
        destination.once('error', done);
        destination.end();
      }),
  };
}

const stdoutLog = logDestinationOnStdout();
// A reader that went away (EPIPE) is not the command's failure: what it prints is dropped.
process.stdout.on('error', () => undefined);

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
  logDestination: stdoutLog.destination,
};

const code = await runCommandTree(COMMAND_TREE, 'bullseye-gateway', process.argv.slice(2), process.env, io);
process.exitCode = code;
await stdoutLog.close(FINAL_FLUSH_MS);
// Normally nothing is left and the process ends by itself first; this timer does not hold it open.
setTimeout(() => process.exit(code), EXIT_AFTER_FLUSH_MS).unref();
