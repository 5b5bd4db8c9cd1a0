// The shapes of a rate limit, and the rules every limit must keep, wherever
// it is written: the policy file (defaults.rateLimit, a route's rateLimit,
// defaults.quota), the settings file, and a key's own `rateLimits` and
// `quota` (admin API, CLI). One set of rules, so a limit the API accepts is
// one the policy would accept too. Pure.

/** A token bucket: capacity `requests`, refilled continuously at `requests / perMs`. */
export interface RateLimitSpec {
  readonly requests: number;
  readonly perMs: number;
}

export const QUOTA_PERIODS = ['day', 'month'] as const;
export type QuotaPeriod = (typeof QUOTA_PERIODS)[number];

/** A calendar quota: at most `limit` (cost-weighted) admitted requests per UTC day or month. */
export interface QuotaSpec {
  readonly limit: number;
  readonly period: QuotaPeriod;
}

/** Most windows in one list. */
export const MAX_WINDOWS = 8;
export const MIN_WINDOW_MS = 1_000;
export const MAX_WINDOW_MS = 366 * 86_400_000;

const isPositiveInteger = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 1;

/** What is wrong with one window's values, as phrases naming the field (`requests`, `per`); empty when nothing. */
export function windowProblems(requests: unknown, perMs: unknown, names = { requests: 'requests', per: 'per' }): string[] {
  const problems: string[] = [];
  if (!isPositiveInteger(requests)) problems.push(`${names.requests} must be a positive whole number`);
  if (typeof perMs !== 'number' || !Number.isInteger(perMs) || perMs < MIN_WINDOW_MS || perMs > MAX_WINDOW_MS) {
    problems.push(`${names.per} must be from 1 s to 366 days`);
  }
  return problems;
}

/**
 * What is wrong with a list of (individually valid) windows: too many, two of the same length, or a
 * longer window that allows fewer requests than a shorter one holds (the shorter could never bind).
 */
export function windowListProblems(windows: readonly RateLimitSpec[]): string[] {
  const problems: string[] = [];
  if (windows.length === 0) problems.push('must hold at least one window');
  if (windows.length > MAX_WINDOWS) problems.push(`holds ${windows.length} windows; at most ${MAX_WINDOWS}`);
  const byLength = [...windows].sort((a, b) => a.perMs - b.perMs);
  for (let i = 1; i < byLength.length; i++) {
    const shorter = byLength[i - 1] as RateLimitSpec;
    const longer = byLength[i] as RateLimitSpec;
    if (shorter.perMs === longer.perMs) {
      problems.push(`two windows of ${formatWindow(longer.perMs)}`);
    } else if (longer.requests < shorter.requests) {
      problems.push(
        `${longer.requests} per ${formatWindow(longer.perMs)} allows fewer requests than ${shorter.requests} per ${formatWindow(shorter.perMs)} holds: the shorter window could never apply`,
      );
    }
  }
  return problems;
}

/** What is wrong with a quota's values; empty when nothing. */
export function quotaProblems(limit: unknown, period: unknown): string[] {
  const problems: string[] = [];
  if (!isPositiveInteger(limit)) problems.push('limit must be a positive whole number');
  if (!(QUOTA_PERIODS as readonly unknown[]).includes(period)) problems.push(`period must be one of ${QUOTA_PERIODS.join(', ')}`);
  return problems;
}

const UNITS: readonly [number, string][] = [
  [86_400_000, 'd'],
  [3_600_000, 'h'],
  [60_000, 'm'],
  [1_000, 's'],
];

/** A window length the way the policy writes it: `1d`, `10m`, `1s`, else milliseconds (`1500ms`). */
export function formatWindow(perMs: number): string {
  for (const [unit, suffix] of UNITS) if (perMs % unit === 0) return `${perMs / unit}${suffix}`;
  return `${perMs}ms`;
}
