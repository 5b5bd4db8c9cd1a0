// One undici connection pool per upstream origin, with keep-alive. Pools
// follow the policy: a reload keeps the pools of origins still in use (their
// warm connections included) and drains the ones no longer named.
import { Pool } from 'undici';
import type { UpstreamPoolSettings } from '../../config/settings-sections.js';

/** The settings file's `upstream` section: pool size, connect and keep-alive timeouts. */
export type PoolSettings = UpstreamPoolSettings;

export interface UpstreamPools {
  get(origin: string): Pool;
  /** Make the set of pools match these origins; removed pools drain in the background. */
  sync(origins: Iterable<string>): void;
  close(): Promise<void>;
}

export function createUpstreamPools(settings: PoolSettings): UpstreamPools {
  const pools = new Map<string, Pool>();
  const draining = new Set<Promise<void>>();

  const open = (origin: string): Pool => {
    const pool = new Pool(origin, {
      connections: settings.connections,
      connectTimeout: settings.connectTimeoutMs,
      keepAliveTimeout: settings.keepAliveTimeoutMs,
      pipelining: 1,
    });
    pools.set(origin, pool);
    return pool;
  };

  const drain = (pool: Pool): void => {
    const closing = pool.close().catch(() => undefined);
    draining.add(closing);
    void closing.finally(() => draining.delete(closing));
  };

  return {
    get: (origin) => pools.get(origin) ?? open(origin),
    sync(origins) {
      const wanted = new Set(origins);
      for (const origin of wanted) if (!pools.has(origin)) open(origin);
      for (const [origin, pool] of pools) {
        if (wanted.has(origin)) continue;
        pools.delete(origin);
        drain(pool);
      }
    },
    async close() {
      for (const pool of pools.values()) drain(pool);
      pools.clear();
      await Promise.all(draining);
    },
  };
}
