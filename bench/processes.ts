// Child processes of a bench run: spawned into their own process group, their
// output sent to a log file (never to the harness' event loop, which may be
// generating load), awaited until ready, and always killed when the harness
// ends: normally, on an error, or on SIGINT/SIGTERM. A group per child lets
// one signal reach helpers the child forks itself (nginx workers).
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { closeSync, createWriteStream, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { underTestCommand, type CpuPlan } from './cpu-pinning.js';

export interface ChildSpec {
  /** Short name; the log file is `<logDir>/<name>.log`. */
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  /** Ready when this text appears on stdout or stderr. */
  readyLine?: string;
  /** Else ready when this resolves true (polled). */
  ready?: () => Promise<boolean>;
  readyTimeoutMs?: number;
  /** Poll interval for `ready` (default 50 ms). */
  pollMs?: number;
  /** Open an IPC channel (the child gets `process.send`). */
  ipc?: boolean;
  /** A proxy under test: run on the CPU the group's plan reserves for it, if any. */
  underTest?: boolean;
}

export interface Child {
  readonly name: string;
  readonly pid: number;
  readonly process: ChildProcess;
  readonly logPath: string;
  /** performance.now() at spawn and when it was found ready. */
  readonly spawnedAt: number;
  readyAt: number;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the child has exited. */
  stop(graceMs?: number): Promise<void>;
  /** The last lines of its log, for error messages. */
  tail(lines?: number): string;
}

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface ProcessGroup {
  start(spec: ChildSpec): Promise<Child>;
  /** Run a command to completion (killed with the group if still running). */
  run(command: string, args: string[], env?: NodeJS.ProcessEnv): Promise<CommandResult>;
  stopAll(): Promise<void>;
  /** True once SIGINT/SIGTERM arrived: failures after it are the interruption's, not the target's. */
  readonly interrupted: boolean;
}

const DEFAULT_READY_TIMEOUT_MS = 30_000;

/** With `cpus`, children marked `underTest` run on its reserved CPU (the rest inherit the harness' CPUs). */
export function createProcessGroup(logDir: string, cpus?: CpuPlan): ProcessGroup {
  const live = new Set<ChildProcess>();
  let interrupted = false;
  const killGroup = (child: ChildProcess, signal: NodeJS.Signals): void => {
    if (child.pid === undefined) return;
    try {
      process.kill(-child.pid, signal);
    } catch {
      // ESRCH: the whole group is gone already.
    }
  };
  const track = (child: ChildProcess): void => {
    live.add(child);
    child.once('exit', () => {
      live.delete(child);
      // A leader that exits may leave helpers behind in its group.
      killGroup(child, 'SIGKILL');
    });
  };

  // 'exit' handlers must be synchronous: SIGKILL is the only thing left to do.
  const onExit = (): void => live.forEach((child) => killGroup(child, 'SIGKILL'));
  const onSignal = (signal: NodeJS.Signals): void => {
    interrupted = true;
    process.stderr.write(`\nbench: ${signal}, stopping child processes\n`);
    void stopAll().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('exit', onExit);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  async function stopAll(): Promise<void> {
    await Promise.all([...live].map((child) => stopChild(child, 3_000)));
  }

  async function stopChild(child: ChildProcess, graceMs: number): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    killGroup(child, 'SIGTERM');
    const timer = setTimeout(() => killGroup(child, 'SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }

  async function start(spec: ChildSpec): Promise<Child> {
    const logPath = join(logDir, `${spec.name}.log`);
    const watchOutput = spec.readyLine !== undefined;
    const logFd = openSync(logPath, 'a');
    const stdio: StdioOptions = watchOutput ? ['ignore', 'pipe', 'pipe'] : ['ignore', logFd, logFd];
    if (spec.ipc) stdio.push('ipc');
    const spawnedAt = performance.now();
    const [command, args] = spec.underTest && cpus ? underTestCommand(cpus, spec.command, spec.args) : [spec.command, spec.args];
    const proc = spawn(command, args, { env: spec.env ?? process.env, stdio, detached: true });
    track(proc);
    if (!watchOutput) closeSync(logFd);
    const child: Child = {
      name: spec.name,
      pid: proc.pid ?? -1,
      process: proc,
      logPath,
      spawnedAt,
      readyAt: Number.NaN,
      stop: (graceMs = 3_000) => stopChild(proc, graceMs),
      tail: (lines = 20) => tailOf(logPath, lines),
    };
    try {
      await whenReady(spec, proc, logFd);
      child.readyAt = performance.now();
      return child;
    } catch (err) {
      await stopChild(proc, 500);
      throw new Error(`${spec.name} did not become ready: ${(err as Error).message}\n${child.tail()}`);
    }
  }

  async function run(command: string, args: string[], env?: NodeJS.ProcessEnv): Promise<CommandResult> {
    const proc = spawn(command, args, { env: env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    track(proc);
    let stdout = '';
    let stderr = '';
    proc.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    proc.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    return new Promise((resolve, reject) => {
      proc.once('error', reject);
      proc.once('close', (code) => resolve({ code, stdout, stderr }));
    });
  }

  return {
    start,
    run,
    stopAll,
    get interrupted() {
      return interrupted;
    },
  };
}

/** Resolve when `spec` says the child is ready; reject if it exits or the deadline passes. */
function whenReady(spec: ChildSpec, proc: ChildProcess, logFd: number): Promise<void> {
  const timeoutMs = spec.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
  return new Promise<void>((resolve, reject) => {
    let settled = false;
    const finish = (err?: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      proc.off('exit', onExit);
      proc.off('error', onError);
      if (err) reject(err);
      else resolve();
    };
    const onExit = (code: number | null, signal: string | null): void => finish(new Error(`exited early (${signal ?? `code ${code}`})`));
    const onError = (err: Error): void => finish(err);
    const timer = setTimeout(() => finish(new Error(`not ready within ${timeoutMs} ms`)), timeoutMs);
    proc.once('exit', onExit);
    proc.once('error', onError);

    if (spec.readyLine !== undefined) {
      const log = createWriteStream('', { fd: logFd });
      let seen = '';
      const onData = (chunk: Buffer): void => {
        log.write(chunk);
        if (settled) return;
        seen = (seen + chunk.toString()).slice(-4096);
        if (seen.includes(spec.readyLine as string)) finish();
      };
      // Keep draining into the log after readiness so a full pipe never blocks the child.
      proc.stdout?.on('data', onData);
      proc.stderr?.on('data', onData);
      proc.once('close', () => log.end());
      return;
    }
    const probe = spec.ready ?? (async () => true);
    const pollMs = spec.pollMs ?? 50;
    const attempt = (): void => {
      if (settled) return;
      probe().then(
        (ok) => (ok ? finish() : void setTimeout(attempt, pollMs)),
        () => void setTimeout(attempt, pollMs),
      );
    };
    attempt();
  });
}

function tailOf(path: string, lines: number): string {
  try {
    const text = readFileSync(path, 'utf8').trimEnd();
    return text.split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}
