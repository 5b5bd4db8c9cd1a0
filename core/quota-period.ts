// The calendar period a quota counts in: the UTC day, or the UTC month, that
// holds an instant. Periods are numbered from the epoch (day 0 is
// 1970-01-01, month 0 is 1970-01), so a counter stamped with its period's
// number is reset by comparing numbers. Pure; the Redis script derives the
// same numbers from Redis' own TIME (gateway/limiter/quota-lua.ts), and
// both are tested against one table of boundary instants.
import type { QuotaPeriod } from './rate-limits.js';

export interface PeriodBounds {
  /** Days (day) or months (month) since 1970-01-01 / 1970-01. */
  readonly id: number;
  /** Epoch ms of the period's first instant (00:00:00.000 UTC). */
  readonly startMs: number;
  /** Epoch ms of the next period's first instant: when the counter resets. */
  readonly endMs: number;
}

const DAY_MS = 86_400_000;

export function quotaPeriod(nowMs: number, period: QuotaPeriod): PeriodBounds {
  if (period === 'day') {
    const id = Math.floor(nowMs / DAY_MS);
    return { id, startMs: id * DAY_MS, endMs: (id + 1) * DAY_MS };
  }
  const date = new Date(nowMs);
  const year = date.getUTCFullYear();
  const month = date.getUTCMonth();
  return { id: (year - 1970) * 12 + month, startMs: Date.UTC(year, month, 1), endMs: Date.UTC(year, month + 1, 1) };
}
