// The partner page, in a real browser: the same page signed in with a
// CLI-created partner key (X-Partner-API-Key): "Partner Settings > API Keys",
// create a pk_live_ key in the dialog and use it at the gateway, revoke it,
// and see its usage.
import t from 'tap';
import { call } from '../helpers/http.js';
import { inputValues, launchBrowser, openPage, signIn, startDashboardStack } from '../helpers/browser.js';

const REPORTS = '/api/v1/partner/reports';
const browser = await launchBrowser(t);

t.test('a partner key: its sidebar, create, use at the gateway, usage, revoke', async (t) => {
  const stack = await startDashboardStack(t);
  const partnerKey = await stack.cliKey({ partner: 'p-1' }, 'partner admin');
  stack.key({ partner: 'p-2', name: 'another partner' });
  const tp = await openPage(t, browser);
  const { page } = tp;
  await signIn(page, stack.admin.baseUrl, partnerKey);
  t.equal(await page.locator('#breadcrumb').textContent(), 'Partner Settings > API Keys');
  t.equal(await page.locator('.sidebar .nav-section').textContent(), 'Partner Settings');
  t.same(await page.locator('#keys-table tbody td.key-name').allTextContents(), ['partner admin'], "only this partner's keys");

  await page.getByRole('button', { name: 'Create API Key' }).click();
  const dialog = page.locator('dialog[open]');
  t.equal(await dialog.getByLabel('Agency Read').count(), 0, 'no agency scopes for partners');
  await dialog.getByLabel('Name').fill('reseller sync');
  await dialog.getByRole('button', { name: 'Create Key' }).click();
  const shown = page.locator('dialog[open] .plain-key');
  await shown.waitFor();
  const plainKey = (await shown.textContent()) ?? '';
  t.match(plainKey, /^pk_live_[0-9a-f]{32}$/, 'a partner key, once');
  await page.locator('dialog[open]').getByRole('button', { name: 'Done' }).click();
  const row = page.locator('#keys-table tbody tr', { hasText: 'reseller sync' });
  await row.waitFor();
  t.equal(await row.locator('td').nth(2).textContent(), 'read, write');
  t.notOk((await page.content()).includes(plainKey.slice(8)), 'gone from the page');
  t.notOk((await inputValues(page)).some((value) => value.includes(plainKey.slice(8))));

  await stack.replicaCaughtUp();
  t.equal(
    (await call(stack.gatewayUrl, 'GET', REPORTS, { headers: { 'x-partner-api-key': plainKey } })).status,
    200,
    'works at the gateway',
  );
  await stack.admin.activity.flush();
  await row.click();
  const totals = page.locator('#usage figure[data-range="24h"] .usage-totals');
  await totals.waitFor();
  t.equal(await totals.textContent(), '1 requests: 1 success, 0 rate limited, 0 client errors, 0 server errors', 'its usage');

  await row.getByRole('button', { name: 'Revoke' }).click();
  await page.locator('dialog[open]').getByRole('button', { name: 'Revoke Key' }).click();
  await row.locator('.status-revoked').waitFor();
  t.equal(await row.locator('td').nth(3).textContent(), 'Revoked');
  await stack.replicaCaughtUp();
  t.equal(
    (await call(stack.gatewayUrl, 'GET', REPORTS, { headers: { 'x-partner-api-key': plainKey } })).status,
    401,
    'refused once revoked',
  );
  t.same(tp.errors, [], 'no console errors');
  t.equal(tp.jsDialogs.length, 0);
});
