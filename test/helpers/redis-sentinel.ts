// A real Sentinel deployment per test: a master, one replica of it and three
// sentinels (quorum 2), all redis-server processes on free ports, without
// persistence, killed at teardown with their temp dir. `killMaster()` SIGKILLs
// the master, `pauseMaster()` freezes it (a hung master whose connections
// stay open); `waitForPromotion()` resolves once every sentinel names the
// replica as the master. Readiness is the processes' own log lines and then
// polled state (replica in sync, sentinels knowing the replica and each
// other, which a failover needs), each with a deadline, never a sleep.
import { execFile, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, spawnRedis, spawnUntilReady } from './redis-server.js';

interface Teardown {
  teardown(fn: () => void | Promise<void>): void;
}

export interface SentinelSet {
  /** redis+sentinel://127.0.0.1:a,127.0.0.1:b,127.0.0.1:c/mymaster */
  readonly url: string;
  readonly masterName: string;
  readonly masterPort: number;
  readonly replicaPort: number;
  readonly sentinelPorts: readonly number[];
  /** SIGKILL the master and wait for it to exit. */
  killMaster(): Promise<void>;
  /** Freeze the master (SIGSTOP): its connections stay open, nothing is answered. A hung or partitioned master. */
  pauseMaster(): void;
  /** Let a paused master run again (SIGCONT); once a replica was promoted, the sentinels turn it into a replica of that one. */
  resumeMaster(): void;
  /** Resolves once every sentinel reports the replica as the master; rejects after `timeoutMs`. */
  waitForPromotion(timeoutMs?: number): Promise<void>;
}

export interface SentinelOptions {
  /** sentinel down-after-milliseconds: how long the master must be silent before it is considered down. */
  downAfterMs?: number;
}

const MASTER_NAME = 'mymaster';
const SENTINEL_READY_LINE = `+monitor master ${MASTER_NAME}`;
const START_TIMEOUT_MS = 10_000;
const POLL_INTERVAL_MS = 50;
const run = promisify(execFile);

export async function startSentinelSet(t: Teardown, options: SentinelOptions = {}): Promise<SentinelSet> {
  const dir = mkdtempSync(join(tmpdir(), 'bullseye-sentinel-'));
  const children: ChildProcess[] = [];
  // One teardown, in this order: the processes first (sentinels rewrite their files), then the directory.
  t.teardown(async () => {
    await Promise.all(children.map(kill));
    rmSync(dir, { recursive: true, force: true });
  });

  // Working directory in the temp dir: whatever a sync writes (an RDB) never lands in the caller's cwd;
  // no diskless-sync delay (5 s by default, waiting for more replicas), so the replica syncs at once.
  const [masterPort, master] = await onFreePort((port) => spawnRedis(port, ['--dir', dir, '--repl-diskless-sync-delay', '0']));
  children.push(master);
  const [replicaPort, replica] = await onFreePort((port) =>
    spawnRedis(port, ['--dir', dir, '--replicaof', '127.0.0.1', String(masterPort)]),
  );
  children.push(replica);
  await until(async () => (await info(replicaPort, 'replication')).get('master_link_status') === 'up', 'the replica to sync');

  const sentinelPorts: number[] = [];
  for (let n = 1; n <= 3; n++) {
    const [port, sentinel] = await onFreePort((port) => spawnSentinel(join(dir, `sentinel-${n}.conf`), port, masterPort, options));
    children.push(sentinel);
    sentinelPorts.push(port);
  }
  // A failover needs the replica known (to promote it) and two sentinels agreeing (the quorum, and a leader's majority).
  for (const port of sentinelPorts) {
    await until(async () => {
      const state = await sentinelMaster(port);
      return state.get('num-slaves') === '1' && state.get('num-other-sentinels') === '2';
    }, `sentinel ${port} to know the replica and the other sentinels`);
  }

  return {
    url: `redis+sentinel://${sentinelPorts.map((port) => `127.0.0.1:${port}`).join(',')}/${MASTER_NAME}`,
    masterName: MASTER_NAME,
    masterPort,
    replicaPort,
    sentinelPorts,
    killMaster: () => kill(master),
    pauseMaster: () => master.kill('SIGSTOP'),
    resumeMaster: () => master.kill('SIGCONT'),
    async waitForPromotion(timeoutMs = 15_000) {
      const promoted = async (port: number) =>
        (await cli(port, 'sentinel', 'get-master-addr-by-name', MASTER_NAME))[1] === String(replicaPort);
      await until(
        async () => (await Promise.all(sentinelPorts.map(promoted))).every(Boolean),
        'the sentinels to promote the replica',
        timeoutMs,
      );
    },
  };
}

/** Start `spawnAt` on a free port, retrying when another process takes the port between our probe and the bind. */
async function onFreePort(spawnAt: (port: number) => Promise<ChildProcess>): Promise<[number, ChildProcess]> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    try {
      return [port, await spawnAt(port)];
    } catch (err) {
      if (attempt >= 3) throw err;
    }
  }
}

/** A sentinel with its own writable config file (sentinels rewrite it), resolved once it monitors the master. */
function spawnSentinel(confPath: string, port: number, masterPort: number, options: SentinelOptions): Promise<ChildProcess> {
  writeFileSync(
    confPath,
    [
      `port ${port}`,
      'bind 127.0.0.1',
      'sentinel resolve-hostnames no',
      `sentinel monitor ${MASTER_NAME} 127.0.0.1 ${masterPort} 2`,
      `sentinel down-after-milliseconds ${MASTER_NAME} ${options.downAfterMs ?? 500}`,
      `sentinel failover-timeout ${MASTER_NAME} 2000`,
      '',
    ].join('\n'),
  );
  return spawnUntilReady([confPath, '--sentinel'], SENTINEL_READY_LINE, `sentinel on port ${port}`);
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
}

/** One redis-cli command's reply, one element per line (redis-cli's output when not on a terminal). */
async function cli(port: number, ...args: string[]): Promise<string[]> {
  const { stdout } = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { timeout: 2_000 });
  return stdout.split('\n').map((line) => line.trim());
}

/** `INFO <section>` as field → value. */
async function info(port: number, section: string): Promise<Map<string, string>> {
  const fields = (await cli(port, 'info', section)).map((line) => line.split(':') as [string, string?]);
  return new Map(fields.filter((field): field is [string, string] => field[1] !== undefined));
}

/** `SENTINEL MASTER <name>`'s flat field/value list as a map. */
async function sentinelMaster(port: number): Promise<Map<string, string>> {
  const reply = await cli(port, 'sentinel', 'master', MASTER_NAME);
  const state = new Map<string, string>();
  for (let i = 0; i + 1 < reply.length; i += 2) state.set(reply[i] as string, reply[i + 1] as string);
  return state;
}

/** Poll `check` until it holds; a failed check (e.g. redis-cli refused) counts as not yet. */
async function until(check: () => Promise<boolean>, what: string, timeoutMs = START_TIMEOUT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
}
