// Usage on the page, in a real browser: traffic through the gateway (some
// admitted, some over the key's own limit, one the upstream fails), counted by
// the gateway, flushed to SQLite with the activity batch, read back by the
// page through the usage endpoint and drawn as stacked hourly bars with totals.
import t from 'tap';
import { call } from '../helpers/http.js';
import { launchBrowser, openPage, signIn, startDashboardStack } from '../helpers/browser.js';

const browser = await launchBrowser(t);

t.test('after traffic through the gateway, the selected key shows it: totals in words and stacked bars', async (t) => {
  const stack = await startDashboardStack(t);
  stack.upstream.respond((req, res) => {
    res.statusCode = req.url.endsWith('?fail') ? 500 : 200;
    res.end();
  });
  const adminKey = await stack.cliKey({ org: 'acme' }, 'dashboard admin', 'read,write,admin');
  const busy = stack.key({ org: 'acme', name: 'busy integration', scopes: ['read'], rateLimits: [{ requests: 3, perMs: 60_000 }] });
  const idle = stack.key({ org: 'acme', name: 'idle integration', scopes: ['read'] });
  await stack.replicaCaughtUp();
  const statuses: number[] = [];
  for (const query of ['', '', '?fail', '', '']) {
    statuses.push((await call(stack.gatewayUrl, 'GET', `/api/v1/organization/acme/visitors${query}`, { headers: busy.headers })).status);
  }
  t.same(statuses, [200, 200, 500, 429, 429], 'two admitted, one failed upstream, two over the limit');
  await stack.admin.activity.flush();

  const tp = await openPage(t, browser);
  const { page } = tp;
  await signIn(page, stack.admin.baseUrl, adminKey);
  const lastUsed = page.locator(`tr[data-key-id="${busy.id}"] td`).nth(4);
  t.equal(await lastUsed.textContent(), 'just now', 'Last used, relative');
  t.match(await lastUsed.locator('time').getAttribute('title'), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/, 'the exact time on hover');

  await page.locator(`tr[data-key-id="${busy.id}"]`).click();
  const day = page.locator('#usage figure[data-range="24h"]');
  await day.locator('.usage-totals').waitFor();
  t.equal(await page.locator('#usage h2 .key-name').textContent(), 'busy integration');
  const words = '5 requests: 2 success, 2 rate limited, 0 client errors, 1 server errors';
  t.equal(await day.locator('.usage-totals').textContent(), words, 'the last 24 hours in words');
  t.equal(await page.locator('#usage figure[data-range="7d"] .usage-totals').textContent(), words, 'and the last 7 days');
  const bar = day.locator('svg g.bar');
  t.equal(await bar.count(), 1, 'one hour with traffic: one bar');
  t.same(
    await bar
      .locator('rect')
      .evaluateAll((rects) => rects.map((rect) => (rect as unknown as { getAttribute(n: string): string }).getAttribute('class'))),
    ['band-success', 'band-rate-limited', 'band-errors'],
    'stacked: success, rate limited, errors',
  );
  t.match(await bar.locator('title').textContent(), /: 2 success, 2 rate limited, 1 errors$/, 'each bar says its counts');
  t.equal(await page.locator('#usage figure[data-range="7d"] svg g.bar').count(), 1);

  await page.locator(`tr[data-key-id="${idle.id}"]`).click();
  await page.locator('#usage h2 .key-name', { hasText: 'idle integration' }).waitFor();
  await day.locator('.usage-totals').waitFor();
  t.equal(await day.locator('.usage-totals').textContent(), '0 requests: 0 success, 0 rate limited, 0 client errors, 0 server errors');
  t.equal(await day.locator('svg g.bar').count(), 0, 'an idle key: no bars');
  t.same(tp.errors, [], 'no console errors');
});
