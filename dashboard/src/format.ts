// How times and statuses read in the table: pure functions of a key and "now".
import type { ApiKey } from './api.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const relative = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });

/** "just now", "5 minutes ago", "in 3 days": the largest unit that fits. */
export function relativeTime(thenMs: number, nowMs: number): string {
  const delta = thenMs - nowMs;
  const size = Math.abs(delta);
  if (size < MINUTE) return 'just now';
  if (size < HOUR) return relative.format(Math.trunc(delta / MINUTE), 'minute');
  if (size < DAY) return relative.format(Math.trunc(delta / HOUR), 'hour');
  if (size < 30 * DAY) return relative.format(Math.trunc(delta / DAY), 'day');
  if (size < 365 * DAY) return relative.format(Math.trunc(delta / (30 * DAY)), 'month');
  return relative.format(Math.trunc(delta / (365 * DAY)), 'year');
}

/** "2026-12-02": the UTC day of a timestamp, at a glance (the exact time goes in a title). */
export const shortDate = (iso: string): string => iso.slice(0, 10);

export type DisplayStatus = 'Active' | 'Revoked' | 'Expired';

export function statusOf(key: ApiKey, nowMs: number): DisplayStatus {
  if (key.status === 'revoked') return 'Revoked';
  if (key.expiresAt !== null && Date.parse(key.expiresAt) <= nowMs) return 'Expired';
  return 'Active';
}

/** Scope names as the create dialog labels them. */
export const SCOPE_LABELS: Readonly<Record<string, string>> = {
  read: 'Read',
  write: 'Write',
  admin: 'Admin',
  'agency:read': 'Agency Read',
  'agency:write': 'Agency Write',
};
