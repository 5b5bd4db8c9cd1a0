// The calendar period of a quota: every row of the shared boundary table
// (the Redis script is checked against the same rows), and the periods
// tiling time with no gap or overlap across a leap year.
import t from 'tap';
import { quotaPeriod } from '../../core/quota-period.js';
import { QUOTA_BOUNDARIES } from '../helpers/quota-boundaries.js';

t.test('every boundary row', async (t) => {
  for (const row of QUOTA_BOUNDARIES) {
    t.same(quotaPeriod(row.atMs, row.period), { id: row.id, startMs: row.startMs, endMs: row.endMs }, `${row.period}: ${row.label}`);
  }
});

t.test('periods tile time: each ends where the next starts, numbered one apart', async (t) => {
  for (const period of ['day', 'month'] as const) {
    let current = quotaPeriod(Date.UTC(2027, 11, 31), period);
    let gaps = 0;
    for (let i = 0; i < 800; i++) {
      const next = quotaPeriod(current.endMs, period);
      if (next.startMs !== current.endMs || next.id !== current.id + 1 || quotaPeriod(current.endMs - 1, period).id !== current.id) gaps++;
      current = next;
    }
    t.equal(gaps, 0, `${period}: 800 periods from 2027-12-31 without a gap`);
  }
});

t.test('a day is always 86 400 000 ms in UTC; a month is 28 to 31 days', async (t) => {
  t.equal(quotaPeriod(Date.UTC(2026, 2, 29, 1, 30), 'day').endMs - quotaPeriod(Date.UTC(2026, 2, 29, 1, 30), 'day').startMs, 86_400_000);
  const lengths = new Set<number>();
  for (let month = 0; month < 48; month++) {
    const bounds = quotaPeriod(Date.UTC(2026, month, 15), 'month');
    lengths.add((bounds.endMs - bounds.startMs) / 86_400_000);
  }
  t.same([...lengths].sort(), [28, 29, 30, 31]);
});
