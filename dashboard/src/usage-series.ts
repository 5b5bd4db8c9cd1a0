// Hourly usage as the charts read it: a dense series (hours without traffic
// are zero, where the API omits them) and totals. Pure.
import type { UsageHour } from './api.js';

export const HOUR_MS = 3_600_000;

export interface HourBar {
  readonly startMs: number;
  readonly success: number;
  readonly rateLimited: number;
  /** Client and server errors together: the chart's third band. */
  readonly errors: number;
}

export interface UsageTotals {
  success: number;
  rateLimited: number;
  clientErrors: number;
  serverErrors: number;
}

export const hourStartOf = (ms: number): number => ms - (ms % HOUR_MS);

/** `hours` bars, oldest first, the last one the hour holding `nowMs`. */
export function hourlySeries(usage: readonly UsageHour[], nowMs: number, hours: number): HourBar[] {
  const firstMs = hourStartOf(nowMs) - (hours - 1) * HOUR_MS;
  const byHour = new Map(usage.map((hour) => [Date.parse(hour.start), hour]));
  return Array.from({ length: hours }, (_, index) => {
    const startMs = firstMs + index * HOUR_MS;
    const hour = byHour.get(startMs);
    return {
      startMs,
      success: hour?.success ?? 0,
      rateLimited: hour?.rateLimited ?? 0,
      errors: (hour?.clientErrors ?? 0) + (hour?.serverErrors ?? 0),
    };
  });
}

/** The sums over the hours from `fromMs` on. */
export function totalsSince(usage: readonly UsageHour[], fromMs: number): UsageTotals {
  const totals: UsageTotals = { success: 0, rateLimited: 0, clientErrors: 0, serverErrors: 0 };
  for (const hour of usage) {
    if (Date.parse(hour.start) < fromMs) continue;
    totals.success += hour.success;
    totals.rateLimited += hour.rateLimited;
    totals.clientErrors += hour.clientErrors;
    totals.serverErrors += hour.serverErrors;
  }
  return totals;
}

export const totalOf = (totals: UsageTotals): number => totals.success + totals.rateLimited + totals.clientErrors + totals.serverErrors;
