// GET .../api-keys/{keyId}/usage: one of the owner's keys' hourly counts
// (admin/store/key-usage.ts) over a range of at most 31 days, as
// {"usage": [{"start", "success", "rateLimited", "clientErrors", "serverErrors"}]},
// oldest first; hours without traffic have no entry. The query is read by
// admin/usage-query.ts; the key is found as by every key endpoint (another
// owner's key is 404 like an unknown one). Reads only.
import type { HourlyUsage, UsageCounts } from '../core/key-activity.js';
import { ApiError } from '../core/errors.js';
import { ownedKey, type KeyHandler } from './key-handlers.js';
import { isoTime } from './key-json.js';
import { parseUsageQuery } from './usage-query.js';

const hourTime = (ms: number): string => `${isoTime(ms).slice(0, 19)}Z`;

export interface HourlyUsageJson extends UsageCounts {
  /** The hour's start, RFC 3339 UTC to the second (`2026-12-01T13:00:00Z`): an hour has no fraction. */
  start: string;
}

export const toHourlyUsageJson = ({ hourStartMs, success, rateLimited, clientErrors, serverErrors }: HourlyUsage): HourlyUsageJson => ({
  start: hourTime(hourStartMs),
  success,
  rateLimited,
  clientErrors,
  serverErrors,
});

export const keyUsage: KeyHandler = (call) => {
  const parsed = parseUsageQuery(call.query, call.clock.now());
  if (!parsed.ok) throw new ApiError('invalid_parameter', parsed.problem);
  const key = ownedKey(call);
  const { fromMs, toMs } = parsed.range;
  return { status: 200, body: { usage: call.store.usageOf(key.id, fromMs, toMs).map(toHourlyUsageJson) } };
};
