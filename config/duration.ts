// Durations as ops write them: `250ms`, `10s`, `1m`, `1h`, or a bare number
// of milliseconds. Whole numbers only, so `1.5s` is refused (write `1500ms`)
// rather than silently rounded. Pure.

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 } as const;
const DURATION = /^(\d{1,10})(ms|s|m|h)$/;

/** Node timers overflow above 2^31-1 ms (about 24.8 days) and fire at once. */
export const MAX_DURATION_MS = 2 ** 31 - 1;

export const DURATION_HINT = 'a duration like 250ms, 10s, 1m, 1h or a number of milliseconds';

export type DurationResult = { ok: true; ms: number } | { ok: false; problem: string };

/** The milliseconds a duration says (a string with a unit, or an integer of milliseconds), unbounded; undefined if it says none. */
export function durationMs(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) ? value : undefined;
  const match = typeof value === 'string' ? DURATION.exec(value) : null;
  return match ? Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS] : undefined;
}

/** Parse a positive duration that fits a Node timer. */
export function parseDuration(value: unknown): DurationResult {
  const ms = durationMs(value);
  if (ms === undefined) return { ok: false, problem: `must be ${DURATION_HINT}` };
  if (ms <= 0) return { ok: false, problem: 'must be greater than zero' };
  if (ms > MAX_DURATION_MS) return { ok: false, problem: `must be at most ${MAX_DURATION_MS}ms (about 24 days)` };
  return { ok: true, ms };
}
