// The front end's pure functions, run where they run: the built modules
// imported in the real browser from /dashboard/ (so under the page's CSP).
// Relative times, the displayed status, and the dense hourly series and
// totals the charts are drawn from.
import t from 'tap';
import { startAdmin } from '../helpers/admin.js';
import { launchBrowser, openPage } from '../helpers/browser.js';

const browser = await launchBrowser(t);

t.test('relativeTime, statusOf, hourlySeries and totalsSince in the browser', async (t) => {
  const admin = await startAdmin(t);
  const tp = await openPage(t, browser);
  const { page } = tp;
  await page.goto(`${admin.baseUrl}/dashboard`);
  const results = await page.evaluate(async () => {
    // The modules' shapes, stated here: importing their types would compile the browser sources with Node's.
    type Key = { status: 'active' | 'revoked'; expiresAt: string | null } & Record<string, unknown>;
    type Hour = { start: string; success: number; rateLimited: number; clientErrors: number; serverErrors: number };
    type Bar = { startMs: number; success: number; rateLimited: number; errors: number };
    interface Format {
      relativeTime(thenMs: number, nowMs: number): string;
      statusOf(key: Key, nowMs: number): string;
    }
    interface Series {
      hourlySeries(usage: Hour[], nowMs: number, hours: number): Bar[];
      totalsSince(usage: Hour[], fromMs: number): Record<string, number>;
    }
    const load = (name: string) => import(/* a URL the page serves */ `/dashboard/${name}`);
    const format = (await load('format.js')) as Format;
    const series = (await load('usage-series.js')) as Series;
    const now = Date.parse('2026-12-02T14:30:00Z');
    const min = 60_000;
    const key = (status: 'active' | 'revoked', expiresAt: string | null) =>
      ({
        id: 'k',
        name: 'n',
        keyPrefix: 'bsk_live_0000',
        scopes: ['read'],
        status,
        expiresAt,
        lastUsedAt: null,
        createdAt: '2026-12-01T00:00:00Z',
      }) as const;
    const usage = [
      { start: '2026-12-02T14:00:00.000Z', success: 3, rateLimited: 2, clientErrors: 1, serverErrors: 1 },
      { start: '2026-12-02T12:00:00.000Z', success: 1, rateLimited: 0, clientErrors: 0, serverErrors: 0 },
      { start: '2026-11-30T12:00:00.000Z', success: 7, rateLimited: 0, clientErrors: 0, serverErrors: 0 },
    ];
    const bars = series.hourlySeries(usage, now, 24);
    return {
      relative: [0, -30_000, -5 * min, -3 * 60 * min, -2 * 1440 * min, 3 * 1440 * min, -400 * 1440 * min].map((delta) =>
        format.relativeTime(now + delta, now),
      ),
      statuses: [
        format.statusOf(key('active', null), now),
        format.statusOf(key('revoked', null), now),
        format.statusOf(key('active', '2026-12-02T14:29:59Z'), now),
        format.statusOf(key('active', '2026-12-02T14:30:01Z'), now),
      ],
      barCount: bars.length,
      first: bars[0]?.startMs === Date.parse('2026-12-01T15:00:00Z'),
      last: bars.at(-1),
      hole: bars.at(-2),
      day: series.totalsSince(usage, Date.parse('2026-12-01T15:00:00Z')),
    };
  });
  t.same(results.relative, ['just now', 'just now', '5 minutes ago', '3 hours ago', '2 days ago', 'in 3 days', 'last year']);
  t.same(results.statuses, ['Active', 'Revoked', 'Expired', 'Active'], 'Expired once expiresAt has passed');
  t.equal(results.barCount, 24);
  t.ok(results.first, 'the first bar is 23 hours before the current one');
  t.same(results.last, { startMs: Date.parse('2026-12-02T14:00:00Z'), success: 3, rateLimited: 2, errors: 2 }, 'errors: client + server');
  t.same(results.hole, { startMs: Date.parse('2026-12-02T13:00:00Z'), success: 0, rateLimited: 0, errors: 0 }, 'an omitted hour is zero');
  t.same(results.day, { success: 4, rateLimited: 2, clientErrors: 1, serverErrors: 1 }, 'totals over the range only');
  t.same(tp.errors, [], 'the modules load under the CSP');
});
