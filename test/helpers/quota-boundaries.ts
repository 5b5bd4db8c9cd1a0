// One table of instants at and around calendar boundaries, with the quota
// period that holds each: the memory limiter's derivation (core/quota-period.ts)
// and the Redis script's (from Redis' TIME) are both checked against it.
import type { QuotaPeriod } from '../../core/rate-limits.js';

export interface BoundaryRow {
  readonly label: string;
  readonly atMs: number;
  readonly period: QuotaPeriod;
  /** Days since 1970-01-01 or months since 1970-01. */
  readonly id: number;
  readonly startMs: number;
  readonly endMs: number;
}

const utc = (iso: string): number => Date.parse(iso);
const daysSinceEpoch = (iso: string): number => Math.floor(utc(iso) / 86_400_000);
const monthsSinceEpoch = (year: number, month: number): number => (year - 1970) * 12 + (month - 1);

const day = (label: string, at: string, start: string, end: string): BoundaryRow => ({
  label,
  atMs: utc(at),
  period: 'day',
  id: daysSinceEpoch(start),
  startMs: utc(start),
  endMs: utc(end),
});

const month = (label: string, at: string, year: number, monthOfYear: number, start: string, end: string): BoundaryRow => ({
  label,
  atMs: utc(at),
  period: 'month',
  id: monthsSinceEpoch(year, monthOfYear),
  startMs: utc(start),
  endMs: utc(end),
});

export const QUOTA_BOUNDARIES: readonly BoundaryRow[] = [
  day('the epoch', '1970-01-01T00:00:00.000Z', '1970-01-01T00:00:00Z', '1970-01-02T00:00:00Z'),
  day('last millisecond of a day', '2026-12-01T23:59:59.999Z', '2026-12-01T00:00:00Z', '2026-12-02T00:00:00Z'),
  day('first millisecond of the next', '2026-12-02T00:00:00.000Z', '2026-12-02T00:00:00Z', '2026-12-03T00:00:00Z'),
  day('leap day', '2028-02-29T12:00:00.000Z', '2028-02-29T00:00:00Z', '2028-03-01T00:00:00Z'),
  day('new year', '2026-12-31T23:59:59.999Z', '2026-12-31T00:00:00Z', '2027-01-01T00:00:00Z'),
  month('the epoch', '1970-01-01T00:00:00.000Z', 1970, 1, '1970-01-01T00:00:00Z', '1970-02-01T00:00:00Z'),
  month('last millisecond of November', '2026-11-30T23:59:59.999Z', 2026, 11, '2026-11-01T00:00:00Z', '2026-12-01T00:00:00Z'),
  month('first millisecond of December', '2026-12-01T00:00:00.000Z', 2026, 12, '2026-12-01T00:00:00Z', '2027-01-01T00:00:00Z'),
  month('last millisecond of the year', '2026-12-31T23:59:59.999Z', 2026, 12, '2026-12-01T00:00:00Z', '2027-01-01T00:00:00Z'),
  month('first millisecond of the year', '2027-01-01T00:00:00.000Z', 2027, 1, '2027-01-01T00:00:00Z', '2027-02-01T00:00:00Z'),
  month('February of a leap year', '2028-02-29T23:59:59.999Z', 2028, 2, '2028-02-01T00:00:00Z', '2028-03-01T00:00:00Z'),
  month('February of a common year', '2027-02-28T23:59:59.999Z', 2027, 2, '2027-02-01T00:00:00Z', '2027-03-01T00:00:00Z'),
  month('March 1 after a leap February', '2028-03-01T00:00:00.000Z', 2028, 3, '2028-03-01T00:00:00Z', '2028-04-01T00:00:00Z'),
  month('century non-leap year', '2100-02-28T23:59:59.999Z', 2100, 2, '2100-02-01T00:00:00Z', '2100-03-01T00:00:00Z'),
  month('400-year leap year', '2000-02-29T00:00:00.000Z', 2000, 2, '2000-02-01T00:00:00Z', '2000-03-01T00:00:00Z'),
];
