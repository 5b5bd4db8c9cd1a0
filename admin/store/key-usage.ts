// The key_usage table: per key and UTC hour, how its requests were answered,
// added together across gateways (each batch adds its counts to the row).
// Counts for a key id the store does not know are skipped, so one stale id
// never fails a gateway's batch. Rows older than the retention are pruned at
// most once per clock hour, inside a write the caller is already making.
import type { Clock } from '../../core/clock.js';
import { hourStartOf, type HourlyUsage } from '../../core/key-activity.js';
import type { SqliteDatabase } from './database.js';

interface UsageSql {
  key_id: string;
  hour_start: number;
  success: number;
  rate_limited: number;
  client_errors: number;
  server_errors: number;
}

const toHourlyUsage = (row: UsageSql): HourlyUsage => ({
  keyId: row.key_id,
  hourStartMs: row.hour_start,
  success: row.success,
  rateLimited: row.rate_limited,
  clientErrors: row.client_errors,
  serverErrors: row.server_errors,
});

export interface KeyUsage {
  /** Add the counts (hourStartMs aligned, counts non-negative integers) of known keys; call inside the caller's write transaction. */
  add(usage: readonly HourlyUsage[]): void;
  /** Delete rows past the retention if this clock hour has not pruned yet; call inside the caller's write transaction. Returns the hour to mark pruned, if it pruned. */
  pruneIfDue(): number | undefined;
  /** Record that `hour` pruned (after its transaction committed, so a rolled-back prune is tried again). */
  pruned(hour: number): void;
  /** Rows of `keyId` with hour_start in [hourStartOf(fromMs), toMs), oldest first. */
  of(keyId: string, fromMs: number, toMs: number): HourlyUsage[];
}

export function createKeyUsage(db: SqliteDatabase, clock: Clock, retentionMs: number): KeyUsage {
  const sql = {
    add: db.prepare(
      `INSERT INTO key_usage (key_id, hour_start, success, rate_limited, client_errors, server_errors)
         SELECT @keyId, @hourStartMs, @success, @rateLimited, @clientErrors, @serverErrors
         WHERE EXISTS (SELECT 1 FROM api_keys WHERE id = @keyId)
       ON CONFLICT (key_id, hour_start) DO UPDATE SET
         success = success + excluded.success,
         rate_limited = rate_limited + excluded.rate_limited,
         client_errors = client_errors + excluded.client_errors,
         server_errors = server_errors + excluded.server_errors`,
    ),
    prune: db.prepare('DELETE FROM key_usage WHERE hour_start < ?'),
    of: db.prepare(
      `SELECT key_id, hour_start, success, rate_limited, client_errors, server_errors FROM key_usage
       WHERE key_id = ? AND hour_start >= ? AND hour_start < ? ORDER BY hour_start`,
    ),
  };
  let lastPrunedHour: number | undefined;
  return {
    add(usage) {
      for (const { keyId, hourStartMs, success, rateLimited, clientErrors, serverErrors } of usage) {
        sql.add.run({ keyId, hourStartMs, success, rateLimited, clientErrors, serverErrors });
      }
    },
    pruneIfDue() {
      const now = clock.now();
      const hour = hourStartOf(now);
      if (hour === lastPrunedHour) return undefined;
      sql.prune.run(now - retentionMs);
      return hour;
    },
    pruned(hour) {
      lastPrunedHour = hour;
    },
    of: (keyId, fromMs, toMs) => (sql.of.all(keyId, hourStartOf(fromMs), toMs) as UsageSql[]).map(toHourlyUsage),
  };
}
