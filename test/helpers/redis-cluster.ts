// A real 3-master Redis Cluster per test: three `redis-server --cluster-enabled
// yes` on free ports (client and bus port both chosen by the OS, so a port
// near 65535 never needs port+10000), joined by `redis-cli --cluster create`
// with no replicas. Ready once every node reports `cluster_state:ok`, polled
// against a deadline. Teardown kills every node and removes their directory.
// `ownerOf` asks the cluster itself which master holds a key's slot
// (CLUSTER KEYSLOT, CLUSTER NODES), so a test can spread keys over all masters
// and look for a bucket on the node that must hold it.
import { execFile, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { freePort, spawnRedis } from './redis-server.js';

interface Teardown {
  teardown(fn: () => void | Promise<void>): void;
}

export interface RedisCluster {
  /** `redis+cluster://` with every node as a seed. */
  readonly url: string;
  /** The masters' client ports. */
  readonly ports: readonly number[];
  /** `key`'s hash slot, as the cluster computes it (CLUSTER KEYSLOT). */
  slotOf(key: string): Promise<number>;
  /** The client port of the master holding `key`'s slot. */
  ownerOf(key: string): Promise<number>;
  /** Every key stored on the node at `port` (its own slots only) matching `pattern`, sorted. */
  keysOn(port: number, pattern: string): Promise<string[]>;
  /** A plain (non-cluster) client of the node at `port`: reads keys of its own slots, MOVED for others. */
  node(port: number): Redis;
}

const MASTERS = 3;
const CLUSTER_OK_TIMEOUT_MS = 15_000;
const POLL_INTERVAL_MS = 50;
const run = promisify(execFile);

export async function startRedisCluster(t: Teardown): Promise<RedisCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'bullseye-redis-cluster-'));
  const nodes: ChildProcess[] = [];
  const clients = new Map<number, Redis>();
  t.teardown(async () => {
    for (const client of clients.values()) client.disconnect();
    await Promise.all(
      nodes.map(async (node) => {
        if (node.exitCode !== null || node.signalCode !== null) return;
        const exited = once(node, 'exit');
        node.kill('SIGKILL');
        await exited;
      }),
    );
    rmSync(dir, { recursive: true, force: true });
  });

  const taken = new Set<number>();
  const ports: number[] = [];
  for (let i = 0; i < MASTERS; i++) {
    const { port, node } = await spawnClusterNode(dir, taken);
    ports.push(port);
    nodes.push(node);
  }
  const addresses = ports.map((port) => `127.0.0.1:${port}`);
  await run('redis-cli', ['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes'], {
    timeout: CLUSTER_OK_TIMEOUT_MS,
  });
  for (const port of ports) clients.set(port, new Redis(port, '127.0.0.1'));
  const clientOf = (port: number): Redis => {
    const client = clients.get(port);
    if (!client) throw new Error(`no cluster node on port ${port}`);
    return client;
  };
  await untilEveryNodeOk(ports.map(clientOf));
  const slots = await slotOwners(clientOf(ports[0] as number));
  const slotOf = (key: string): Promise<number> => clientOf(ports[0] as number).cluster('KEYSLOT', key);

  return {
    url: `redis+cluster://${addresses.join(',')}`,
    ports,
    slotOf,
    async ownerOf(key) {
      const slot = await slotOf(key);
      const owner = slots.find(({ from, to }) => slot >= from && slot <= to);
      if (!owner) throw new Error(`slot ${slot} of ${key} has no master`);
      return owner.port;
    },
    async keysOn(port, pattern) {
      const found: string[] = [];
      let cursor = '0';
      do {
        const [next, batch] = await clientOf(port).scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
        cursor = next;
        found.push(...batch);
      } while (cursor !== '0');
      return [...new Set(found)].sort();
    },
    node: clientOf,
  };
}

/** One cluster-enabled node on two fresh free ports (client, bus); a port taken meanwhile is retried. */
async function spawnClusterNode(dir: string, taken: Set<number>): Promise<{ port: number; node: ChildProcess }> {
  const fresh = async (): Promise<number> => {
    for (;;) {
      const port = await freePort();
      if (!taken.has(port)) {
        taken.add(port);
        return port;
      }
    }
  };
  for (let attempt = 1; ; attempt++) {
    const port = await fresh();
    const busPort = await fresh();
    const args = ['--cluster-enabled', 'yes', '--cluster-port', String(busPort), '--cluster-config-file', join(dir, `nodes-${port}.conf`)];
    try {
      return { port, node: await spawnRedis(port, [...args, '--dir', dir]) };
    } catch (err) {
      if (attempt >= 3) throw err;
    }
  }
}

/** Resolves once every node sees all slots served (`cluster_state:ok`); rejects past the deadline. */
async function untilEveryNodeOk(clients: Redis[]): Promise<void> {
  const deadline = Date.now() + CLUSTER_OK_TIMEOUT_MS;
  for (;;) {
    const infos = await Promise.all(clients.map((client) => client.cluster('INFO')));
    if (infos.every((info) => /^cluster_state:ok\r?$/m.test(info))) return;
    if (Date.now() > deadline) throw new Error(`Redis Cluster not ok within ${CLUSTER_OK_TIMEOUT_MS} ms:\n${infos.join('\n')}`);
    await delay(POLL_INTERVAL_MS);
  }
}

interface SlotRange {
  from: number;
  to: number;
  port: number;
}

/** The masters' slot ranges, from CLUSTER NODES (`<id> <ip:port@bus> <flags> ... <slot ranges>`). */
async function slotOwners(client: Redis): Promise<SlotRange[]> {
  const text = (await client.cluster('NODES')) as string;
  const ranges: SlotRange[] = [];
  for (const line of text.split('\n')) {
    const fields = line.trim().split(' ');
    if (fields.length < 9 || !fields[2]?.includes('master')) continue;
    const port = Number(/:(\d+)@/.exec(fields[1] ?? '')?.[1]);
    for (const range of fields.slice(8)) {
      if (range.startsWith('[')) continue; // a slot being migrated or imported
      const [from, to = from] = range.split('-').map(Number) as [number, number?];
      ranges.push({ from, to, port });
    }
  }
  return ranges;
}
