// The rules every limit keeps wherever it is written, table-driven: one
// window's values, a list of windows, a quota, and how a window length is
// written back.
import t from 'tap';
import {
  formatWindow,
  MAX_WINDOW_MS,
  MAX_WINDOWS,
  MIN_WINDOW_MS,
  quotaProblems,
  windowListProblems,
  windowProblems,
  type RateLimitSpec,
} from '../../core/rate-limits.js';

const DAY = 86_400_000;

t.test('windowProblems', async (t) => {
  const rows: [label: string, requests: unknown, perMs: unknown, problems: string[]][] = [
    ['valid', 10, 60_000, []],
    ['the shortest window', 1, MIN_WINDOW_MS, []],
    ['the longest window', 1, MAX_WINDOW_MS, []],
    ['zero requests', 0, 60_000, ['requests must be a positive whole number']],
    ['fractional requests', 1.5, 60_000, ['requests must be a positive whole number']],
    ['requests as a string', '10', 60_000, ['requests must be a positive whole number']],
    ['requests beyond safe integers', 2 ** 53, 60_000, ['requests must be a positive whole number']],
    ['below 1 s', 10, 999, ['per must be from 1 s to 366 days']],
    ['above 366 days', 10, 366 * DAY + 1, ['per must be from 1 s to 366 days']],
    ['fractional ms', 10, 1_000.5, ['per must be from 1 s to 366 days']],
    ['both wrong: both named', -1, null, ['requests must be a positive whole number', 'per must be from 1 s to 366 days']],
  ];
  for (const [label, requests, perMs, problems] of rows) t.same(windowProblems(requests, perMs), problems, label);
  t.same(windowProblems(0, 0, { requests: 'limit', per: 'duration' }), [
    'limit must be a positive whole number',
    'duration must be from 1 s to 366 days',
  ]);
});

t.test('windowListProblems', async (t) => {
  const w = (requests: number, perMs: number): RateLimitSpec => ({ requests, perMs });
  const rows: [label: string, windows: RateLimitSpec[], problems: string[]][] = [
    ['one window', [w(10, 1_000)], []],
    ['growing limits in any order', [w(20_000, 3_600_000), w(10, 1_000), w(600, 60_000)], []],
    ['empty', [], ['must hold at least one window']],
    [
      'too many',
      Array.from({ length: MAX_WINDOWS + 1 }, (_, i) => w(i + 1, (i + 1) * 1_000)),
      [`holds ${MAX_WINDOWS + 1} windows; at most ${MAX_WINDOWS}`],
    ],
    ['two of one length', [w(10, 60_000), w(20, 60_000)], ['two windows of 1m']],
    [
      'a longer window allowing fewer',
      [w(100, 1_000), w(50, 60_000)],
      ['50 per 1m allows fewer requests than 100 per 1s holds: the shorter window could never apply'],
    ],
  ];
  for (const [label, windows, problems] of rows) t.same(windowListProblems(windows), problems, label);
});

t.test('quotaProblems', async (t) => {
  t.same(quotaProblems(5000, 'day'), []);
  t.same(quotaProblems(1, 'month'), []);
  t.same(quotaProblems(0, 'week'), ['limit must be a positive whole number', 'period must be one of day, month']);
  t.same(quotaProblems('5000', 'Day'), ['limit must be a positive whole number', 'period must be one of day, month']);
});

t.test('formatWindow: the largest whole unit, else milliseconds', async (t) => {
  const rows: [number, string][] = [
    [1_000, '1s'],
    [90_000, '90s'],
    [60_000, '1m'],
    [3_600_000, '1h'],
    [DAY, '1d'],
    [366 * DAY, '366d'],
    [1_500, '1500ms'],
  ];
  for (const [perMs, text] of rows) t.equal(formatWindow(perMs), text, text);
});
