// What gateways report about each key, off the request path: the last time
// it was used and, per UTC hour, how its requests were answered. Both travel
// in one batch (same channel, same cadence as last-used times always did) and
// reach SQLite as hourly rows added together across gateways.

/** How a gateway answered one request of a key, as counted per hour. */
export const USAGE_OUTCOMES = ['success', 'rateLimited', 'clientErrors', 'serverErrors'] as const;
export type UsageOutcome = (typeof USAGE_OUTCOMES)[number];
export type UsageCounts = Record<UsageOutcome, number>;

export const HOUR_MS = 3_600_000;

/** One key's counts in one UTC hour. */
export interface HourlyUsage extends UsageCounts {
  readonly keyId: string;
  /** Epoch ms of the hour's start (a multiple of HOUR_MS). */
  readonly hourStartMs: number;
}

/** One delivery: last-used times (key id → epoch ms, the latest wins) and hourly counts to add. */
export interface KeyActivityBatch {
  readonly lastUsed: ReadonlyMap<string, number>;
  readonly usage: readonly HourlyUsage[];
}

/** How long hourly usage rows are kept (usage.retention). */
export const DEFAULT_USAGE_RETENTION_MS = 90 * 24 * HOUR_MS;
/** The longest range one usage query may ask for. */
export const MAX_USAGE_RANGE_MS = 31 * 24 * HOUR_MS;

export const hourStartOf = (epochMs: number): number => epochMs - (epochMs % HOUR_MS);

/**
 * The outcome a gateway counts for a request of a key answered with `status`: 2xx and 3xx (and a
 * 101 upgrade) are success, a 429 the gateway itself sent (`refusedByGateway`: it carries a
 * problem code) is rateLimited, other 4xx (the gateway's or the upstream's) clientErrors, 5xx
 * serverErrors. Nothing for a request never answered (status 0).
 */
export function usageOutcomeOf(status: number, refusedByGateway: boolean): UsageOutcome | undefined {
  if (status >= 500) return 'serverErrors';
  if (status >= 400) return status === 429 && refusedByGateway ? 'rateLimited' : 'clientErrors';
  return status > 0 ? 'success' : undefined;
}

/**
 * A batch as a gateway posts it to the admin's sync listener (LAST_USED_PATH):
 * `{"lastUsed": {"<key id>": <epoch ms>}, "usage": [{"keyId", "hourStart": <epoch ms>, "success", …}]}`.
 * `usage` may be absent (gateways before usage counting send none).
 */
export interface ActivityBatchJson {
  lastUsed: Record<string, number>;
  usage: Array<UsageCounts & { keyId: string; hourStart: number }>;
}

export function activityBatchToJson(batch: KeyActivityBatch): ActivityBatchJson {
  return {
    lastUsed: Object.fromEntries(batch.lastUsed),
    usage: batch.usage.map(({ keyId, hourStartMs, success, rateLimited, clientErrors, serverErrors }) => ({
      keyId,
      hourStart: hourStartMs,
      success,
      rateLimited,
      clientErrors,
      serverErrors,
    })),
  };
}
