// A real redis-server per test, on a free port the OS chose (never the
// machine's own Redis on 6379), without persistence, stopped at teardown.
// `stop()` then `start()` restarts it on the same port, for outage tests;
// `pause()` / `resume()` freeze it, for a Redis that is up but not answering.
// Readiness is the server's own "Ready to accept connections" line, never a sleep.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';

interface Teardown {
  teardown(fn: () => void | Promise<void>): void;
}

export interface RedisServer {
  readonly url: string;
  readonly port: number;
  /** Stop the server (SIGTERM by default) and wait for it to exit. No-op when stopped. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Start it again on the same port and wait until it accepts connections. */
  start(): Promise<void>;
  /** Freeze the process (SIGSTOP): connections stay open, nothing is answered. A slow Redis. */
  pause(): void;
  /** Let a paused server run again (SIGCONT). */
  resume(): void;
}

const READY_LINE = 'Ready to accept connections';
const START_TIMEOUT_MS = 10_000;

export async function startRedis(t: Teardown): Promise<RedisServer> {
  let port = 0;
  let child: ChildProcess | undefined;
  // A free port can be taken between our probe and redis' bind: retry a few times.
  for (let attempt = 1; ; attempt++) {
    port = await freePort();
    try {
      child = await spawnRedis(port);
      break;
    } catch (err) {
      if (attempt >= 3) throw err;
    }
  }
  const server: RedisServer = {
    url: `redis://127.0.0.1:${port}`,
    port,
    async stop(signal = 'SIGTERM') {
      const running = child;
      child = undefined;
      if (!running || running.exitCode !== null || running.signalCode !== null) return;
      const exited = once(running, 'exit');
      running.kill(signal);
      running.kill('SIGCONT'); // a paused server must run to handle the signal
      await exited;
    },
    async start() {
      if (child) return;
      child = await spawnRedis(port);
    },
    pause() {
      child?.kill('SIGSTOP');
    },
    resume() {
      child?.kill('SIGCONT');
    },
  };
  t.teardown(() => server.stop('SIGKILL'));
  return server;
}

/** A port nobody listens on now (never 6379); another process may take it before we bind. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => (port > 0 && port !== 6379 ? resolve(port) : reject(new Error(`unusable port ${port}`))));
    });
  });
}

/** redis-server on `port` without persistence, resolved once ready; `extraArgs` (e.g. Cluster mode) are appended. */
export function spawnRedis(port: number, extraArgs: readonly string[] = []): Promise<ChildProcess> {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no', ...extraArgs];
  return spawnUntilReady(args, READY_LINE, `redis-server on port ${port}`);
}

/** `redis-server ARGS`, resolved once its output holds `readyLine` (killed and rejected on exit, error or START_TIMEOUT_MS). */
export function spawnUntilReady(args: readonly string[], readyLine: string, label: string): Promise<ChildProcess> {
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let output = '';
    const fail = (reason: string) => {
      cleanup();
      child.kill('SIGKILL');
      reject(new Error(`${label} did not start: ${reason}\n${output}`));
    };
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes(readyLine)) {
        cleanup();
        // Keep draining so a full pipe never blocks the server.
        child.stdout?.resume();
        child.stderr?.resume();
        resolve(child);
      }
    };
    const onExit = (code: number | null) => fail(`exited with ${code}`);
    const onError = (err: Error) => fail(err.message);
    const timer = setTimeout(() => fail(`no "${readyLine}" within ${START_TIMEOUT_MS} ms`), START_TIMEOUT_MS);
    function cleanup() {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.stderr?.off('data', onData);
      child.off('exit', onExit);
      child.off('error', onError);
    }
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', onExit);
    child.once('error', onError);
  });
}
