// A key's own rate limits and quota in their two forms: the API's
// (`rateLimits: [{limit, duration}]`, Unkey's words; `quota: {limit, period}`)
// and the record's (core/rate-limits.ts: {requests, perMs}), which the store
// keeps and the change feed carries. Wording of a refused value names every
// problem of the member at once, with the rules of core/rate-limits.ts, the
// policy's own. Pure.
import { KEY_RECORD_FIELDS } from '../core/key-record.js';
import { MAX_WINDOWS, quotaProblems, windowListProblems, windowProblems, type QuotaSpec, type RateLimitSpec } from '../core/rate-limits.js';

/** One window as the API writes it: `limit` requests per `duration` milliseconds. */
export interface RateLimitJson {
  limit: number;
  duration: number;
}

export interface QuotaJson {
  limit: number;
  period: QuotaSpec['period'];
}

const WINDOW_MEMBERS = ['limit', 'duration'];
const QUOTA_MEMBERS = ['limit', 'period'];

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** What is wrong with an object's members: unknown ones and missing ones, each named once. */
function memberProblems(value: Record<string, unknown>, names: readonly string[], path: string): string[] {
  const unknown = Object.keys(value).filter((name) => !names.includes(name));
  const missing = names.filter((name) => !Object.hasOwn(value, name));
  return [
    ...unknown
      .slice(0, 5)
      .map((name) => `${path} has an unknown member ${JSON.stringify(name.slice(0, 40))}; allowed: ${names.join(', ')}`),
    ...missing.map((name) => `${path}.${name} is required`),
  ];
}

/** The value problems of an object's members, less those about a member already reported missing. */
const presentOnly = (value: Record<string, unknown>, names: readonly string[], path: string, problems: readonly string[]): string[] =>
  problems.filter((problem) => !names.some((name) => !Object.hasOwn(value, name) && problem.startsWith(`${path}.${name} `)));

/** Every problem of a `rateLimits` member (null is none: the policy's windows); empty when it is acceptable. */
export function rateLimitsProblems(value: unknown): string[] {
  if (value === null) return [];
  if (!Array.isArray(value)) return ['rateLimits must be a list of {"limit", "duration"} windows, or null for the policy default'];
  const list = value as unknown[];
  const problems: string[] = [];
  const windows: RateLimitSpec[] = [];
  list.forEach((window, i) => {
    const path = `rateLimits[${i}]`;
    if (!isObject(window)) return void problems.push(`${path} must be an object {"limit", "duration"}`);
    const names = { requests: `${path}.limit`, per: `${path}.duration (milliseconds)` };
    const own = [
      ...memberProblems(window, WINDOW_MEMBERS, path),
      ...presentOnly(window, WINDOW_MEMBERS, path, windowProblems(window.limit, window.duration, names)),
    ];
    problems.push(...own);
    if (own.length === 0) windows.push({ requests: window.limit as number, perMs: window.duration as number });
  });
  // The list's own rules (count, lengths, order) once every window is sound; its count regardless.
  if (windows.length === list.length) problems.push(...windowListProblems(windows).map((problem) => `rateLimits: ${problem}`));
  else if (list.length > MAX_WINDOWS) problems.push(`rateLimits: holds ${list.length} windows; at most ${MAX_WINDOWS}`);
  return problems;
}

/** Every problem of a `quota` member (null is none: the policy's quota); empty when it is acceptable. */
export function quotaMemberProblems(value: unknown): string[] {
  if (value === null) return [];
  if (!isObject(value)) return ['quota must be an object {"limit", "period"}, or null for the policy default'];
  const members = memberProblems(value, QUOTA_MEMBERS, 'quota');
  const values = quotaProblems(value.limit, value.period).map((problem) => `quota.${problem}`);
  return [...members, ...presentOnly(value, QUOTA_MEMBERS, 'quota', values)];
}

/** The record form of an accepted API list, shortest window first (the form the store compares and keeps). */
export const rateLimitsFromJson = (windows: readonly RateLimitJson[] | null): RateLimitSpec[] | null =>
  windows === null ? null : windows.map(({ limit, duration }) => ({ requests: limit, perMs: duration })).sort((a, b) => a.perMs - b.perMs);

export const quotaFromJson = (quota: QuotaJson | null): QuotaSpec | null =>
  quota === null ? null : { limit: quota.limit, period: quota.period };

export const rateLimitsToJson = (windows: readonly RateLimitSpec[] | null): RateLimitJson[] | null =>
  windows === null ? null : windows.map(({ requests, perMs }) => ({ limit: requests, duration: perMs }));

export const quotaToJson = (quota: QuotaSpec | null): QuotaJson | null =>
  quota === null ? null : { limit: quota.limit, period: quota.period };

/**
 * A stored rate_limits or quota column read back. The store writes only accepted values, and a
 * CHECK keeps the column JSON of the right type; a value edited into the file by hand that the
 * record's own check refuses reads as null (the policy's default) rather than throwing, so it
 * cannot crash a lookup nor stall the change feed (whose follower refuses a page with a bad record).
 */
function decodeWith<T>(json: string | null, accepts: (value: unknown) => value is T): T | null {
  if (json === null) return null;
  try {
    const value: unknown = JSON.parse(json);
    return value !== null && accepts(value) ? value : null;
  } catch {
    return null;
  }
}

export const decodeRateLimits = (json: string | null): readonly RateLimitSpec[] | null => decodeWith(json, KEY_RECORD_FIELDS.rateLimits);
export const decodeQuota = (json: string | null): QuotaSpec | null => decodeWith(json, KEY_RECORD_FIELDS.quota);
export const encodeLimit = (value: unknown): string | null => (value === null ? null : JSON.stringify(value));

/** What key.created records of a key's own limits; undefined when it has none (the row's details stay NULL). */
export function createdLimitDetails(key: { rateLimits: readonly RateLimitSpec[] | null; quota: QuotaSpec | null }) {
  if (key.rateLimits === null && key.quota === null) return undefined;
  return {
    ...(key.rateLimits === null ? {} : { rateLimits: rateLimitsToJson(key.rateLimits) }),
    ...(key.quota === null ? {} : { quota: quotaToJson(key.quota) }),
  };
}

/** What key.updated records beyond the fields' names: the new limits, when they are among the fields changed. */
export const updatedLimitDetails = (
  key: { rateLimits: readonly RateLimitSpec[] | null; quota: QuotaSpec | null },
  changed: readonly string[],
) => ({
  ...(changed.includes('rateLimits') ? { rateLimits: rateLimitsToJson(key.rateLimits) } : {}),
  ...(changed.includes('quota') ? { quota: quotaToJson(key.quota) } : {}),
});
