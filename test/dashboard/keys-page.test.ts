// The organization's API Keys page in a real browser (Debian chromium) against
// a real admin + gateway + SQLite: sign in with a CLI-created admin key, create
// a key through the dialog and use it at the gateway, revoke and rotate, a
// hostile key name rendered as text, a read-only key offered no controls, the
// page through the gateway, API errors in words, sign out. No test ends with a
// console error (a CSP violation is one) or a JavaScript dialog.
import t, { type Test } from 'tap';
import { call } from '../helpers/http.js';
import { inputValues, launchBrowser, openPage, signIn, startDashboardStack, type TestPage } from '../helpers/browser.js';

const VISITORS = '/api/v1/organization/acme/visitors';
const ORG_KEY = /^bsk_live_[0-9a-f]{32}$/;

const browser = await launchBrowser(t);

/** Every test: nothing went wrong in the page that the assertions did not look at. */
const pageWasClean = (t: Test, { errors, jsDialogs }: TestPage): void => {
  t.same(errors, [], 'no console errors (CSP violations included) and no uncaught exceptions');
  t.equal(jsDialogs.length, 0, 'no alert, confirm or prompt');
};

const cells = (page: TestPage['page'], keyId: string) => page.locator(`tr[data-key-id="${keyId}"] td`);

t.test('sign in with a CLI-created admin key; create a key in the dialog; it works at the gateway and leaves no trace', async (t) => {
  const stack = await startDashboardStack(t);
  const adminKey = await stack.cliKey({ org: 'acme' }, 'dashboard admin', 'read,write,admin');
  const tp = await openPage(t, browser, ['clipboard-read', 'clipboard-write']);
  const { page } = tp;
  const response = await page.goto(`${stack.admin.baseUrl}/dashboard`);
  t.match(response?.headers()['content-security-policy'], /default-src 'self'.*frame-ancestors 'none'/, 'the page carries the CSP');
  t.equal(response?.headers()['x-frame-options'], 'DENY');
  t.equal(response?.headers()['referrer-policy'], 'no-referrer');
  await signIn(page, stack.admin.baseUrl, adminKey);
  t.equal(await page.locator('#breadcrumb').textContent(), 'Organization Settings > API Keys', 'the sidebar path');
  t.equal(await page.locator('.sidebar .nav-section').textContent(), 'Organization Settings', 'the sidebar section');
  t.equal(await page.locator('.sidebar a[aria-current="page"]').textContent(), 'API Keys', 'and its page');
  t.same(await page.locator('#keys-table thead th').allTextContents(), [
    'Name',
    'Key prefix',
    'Scopes',
    'Status',
    'Last used',
    'Created',
    'Expires',
    'Actions',
  ]);
  t.notOk((await inputValues(page)).includes(adminKey), 'the sign-in field was emptied');

  await page.getByRole('button', { name: 'Create API Key' }).click();
  const dialog = page.locator('dialog[open]');
  await dialog.getByLabel('Name').fill('ci pipeline');
  await dialog.getByLabel('Write', { exact: true }).uncheck();
  t.equal(await dialog.getByLabel('Agency Read').count(), 0, 'no agency scopes for a standard organization');
  await dialog.getByRole('button', { name: 'Create Key' }).click();
  const shown = page.locator('dialog[open] .plain-key');
  await shown.waitFor();
  const plainKey = (await shown.textContent()) ?? '';
  t.match(plainKey, ORG_KEY, 'the full key, once');
  t.match(await page.locator('dialog[open] .warning').textContent(), /displayed only once.*will not be shown again/);
  await page.locator('dialog[open]').getByRole('button', { name: 'Copy' }).click();
  await page.locator('dialog[open] .copy-status', { hasText: 'Copied' }).waitFor();
  const copied = await page.evaluate(() =>
    (globalThis as unknown as { navigator: { clipboard: { readText(): Promise<string> } } }).navigator.clipboard.readText(),
  );
  t.equal(copied, plainKey, 'Copy puts the key on the clipboard');

  await stack.replicaCaughtUp();
  const through = await call(stack.gatewayUrl, 'GET', VISITORS, { headers: { 'x-api-key': plainKey } });
  t.equal(through.status, 200, 'the new key authenticates at the gateway');
  t.equal(stack.upstream.received.at(-1)?.url, VISITORS, 'and the request was forwarded');

  await page.locator('dialog[open]').getByRole('button', { name: 'Done' }).click();
  await page.locator('dialog').waitFor({ state: 'detached' });
  const row = page.locator('#keys-table tbody tr', { hasText: 'ci pipeline' });
  await row.waitFor();
  const texts = await row.locator('td').allTextContents();
  t.equal(texts[0], 'ci pipeline');
  t.equal(texts[1], plainKey.slice(0, 'bsk_live_'.length + 4), 'the key prefix');
  t.equal(texts[2], 'read', 'the scopes');
  t.equal(texts[3], 'Active');
  t.equal(texts[4], 'Never', 'not used yet by the listing');
  t.equal(texts[6], 'Never', 'no expiry');
  t.notOk((await page.content()).includes(plainKey), 'after the dialog closed the key is nowhere in the page');
  t.notOk((await page.content()).includes(plainKey.slice(13)), 'not even its secret part');
  t.notOk(
    (await inputValues(page)).some((value) => value.includes(plainKey.slice(13))),
    'nor in any input',
  );
  pageWasClean(t, tp);
});

t.test('revoke: a confirmation naming the key, then Revoked, and the gateway refuses the key', async (t) => {
  const stack = await startDashboardStack(t);
  const adminKey = await stack.cliKey({ org: 'acme' }, 'dashboard admin', 'read,write,admin');
  const victim = stack.key({ org: 'acme', name: 'old integration', scopes: ['read'] });
  await stack.replicaCaughtUp();
  t.equal((await call(stack.gatewayUrl, 'GET', VISITORS, { headers: victim.headers })).status, 200, 'works before');
  const tp = await openPage(t, browser);
  const { page } = tp;
  await signIn(page, stack.admin.baseUrl, adminKey);
  await page.locator(`tr[data-key-id="${victim.id}"]`).getByRole('button', { name: 'Revoke' }).click();
  const dialog = page.locator('dialog[open]');
  t.match(await dialog.textContent(), /Revoke old integration \(bsk_live_[0-9a-f]{4}\)\?/, 'the confirmation names the key');
  await dialog.getByRole('button', { name: 'Revoke Key' }).click();
  await page.locator(`tr[data-key-id="${victim.id}"] .status-revoked`).waitFor();
  t.equal(await cells(page, victim.id).nth(3).textContent(), 'Revoked');
  t.equal(await page.locator(`tr[data-key-id="${victim.id}"] button`).count(), 0, 'no actions on a revoked row');
  await stack.replicaCaughtUp();
  const refused = await call(stack.gatewayUrl, 'GET', VISITORS, { headers: victim.headers });
  t.equal(refused.status, 401, 'the gateway refuses the revoked key');
  t.equal(refused.json.code, 'key_revoked');
  pageWasClean(t, tp);
});

t.test('a key named <img src=x onerror=alert(1)> is text: nothing runs, no element is made', async (t) => {
  const stack = await startDashboardStack(t);
  const adminKey = await stack.cliKey({ org: 'acme' }, 'dashboard admin', 'read,write,admin');
  const name = '<img src=x onerror=alert(1)>';
  const hostile = stack.key({ org: 'acme', name });
  const tp = await openPage(t, browser);
  const { page } = tp;
  await signIn(page, stack.admin.baseUrl, adminKey);
  t.equal(await cells(page, hostile.id).first().textContent(), name, 'the name cell holds the name as text');
  await page.locator(`tr[data-key-id="${hostile.id}"]`).click(); // the usage heading names it too
  await page.locator('#usage .usage-totals').first().waitFor();
  t.equal(await page.locator('#usage h2 .key-name').textContent(), name);
  await page.locator(`tr[data-key-id="${hostile.id}"]`).getByRole('button', { name: 'Revoke' }).click();
  t.equal(await page.locator('dialog[open] .key-name').textContent(), name, 'and so does the confirmation');
  t.equal(await page.locator('img').count(), 0, 'no <img> element exists');
  t.equal(tp.jsDialogs.length, 0, 'no alert fired');
  pageWasClean(t, tp);
});

t.test('a read-only key sees the keys but no create, rotate or revoke controls', async (t) => {
  const stack = await startDashboardStack(t);
  const readKey = await stack.cliKey({ org: 'acme' }, 'auditor', 'read');
  stack.key({ org: 'acme', name: 'someone else' });
  const lapsed = stack.key({ org: 'acme', name: 'lapsed', expiresAt: stack.admin.clock.now() - 60_000 });
  const tp = await openPage(t, browser);
  const { page } = tp;
  await signIn(page, stack.admin.baseUrl, readKey);
  t.equal(await page.locator('#keys-table tbody tr').count(), 3, 'every key listed');
  t.equal(await cells(page, lapsed.id).nth(3).textContent(), 'Expired', 'an active key past its expiresAt reads Expired');
  t.equal(await page.getByRole('button', { name: 'Create API Key' }).count(), 0, 'no Create API Key');
  t.equal(await page.getByRole('button', { name: 'Revoke' }).count(), 0, 'no Revoke');
  t.equal(await page.getByRole('button', { name: 'Rotate' }).count(), 0, 'no Rotate');
  t.same(await page.locator('#keys-table thead th').allTextContents(), [
    'Name',
    'Key prefix',
    'Scopes',
    'Status',
    'Last used',
    'Created',
    'Expires',
  ]);
  t.ok(await page.locator('#read-only-note').isVisible(), 'says why');
  pageWasClean(t, tp);
});

t.test('rotate: a grace period choice, the new key shown once, both keys work during the grace', async (t) => {
  const stack = await startDashboardStack(t);
  const adminKey = await stack.cliKey({ org: 'acme' }, 'dashboard admin', 'read,write,admin');
  const old = stack.key({ org: 'acme', name: 'billing sync', scopes: ['read'] });
  const tp = await openPage(t, browser);
  const { page } = tp;
  await signIn(page, stack.admin.baseUrl, adminKey);
  await page.locator(`tr[data-key-id="${old.id}"]`).getByRole('button', { name: 'Rotate' }).click();
  const dialog = page.locator('dialog[open]');
  t.same(
    await dialog.locator('fieldset label').allTextContents(),
    ['None: the old key stops working now', '1 hour', '24 hours', '7 days'].map((label) => ` ${label}`),
  );
  await dialog.getByLabel('1 hour').check();
  await dialog.getByRole('button', { name: 'Rotate Key' }).click();
  const shown = page.locator('dialog[open] .plain-key');
  await shown.waitFor();
  const successor = (await shown.textContent()) ?? '';
  t.match(successor, ORG_KEY, 'the new key');
  t.not(successor, old.plainKey);
  await page.locator('dialog[open]').getByRole('button', { name: 'Done' }).click();
  await page.locator('#keys-table tbody tr', { hasText: 'billing sync' }).nth(1).waitFor();
  t.notOk((await page.content()).includes(successor.slice(13)), 'the new key is gone from the page');
  const oldExpiry = await cells(page, old.id).nth(6).locator('time').getAttribute('datetime');
  t.equal(Date.parse(oldExpiry ?? ''), stack.admin.clock.now() + 3_600_000, 'the old key expires when its hour of grace ends');
  await stack.replicaCaughtUp();
  t.equal((await call(stack.gatewayUrl, 'GET', VISITORS, { headers: { 'x-api-key': successor } })).status, 200, 'the new key works');
  t.equal((await call(stack.gatewayUrl, 'GET', VISITORS, { headers: old.headers })).status, 200, 'and the old one, for now');
  pageWasClean(t, tp);
});

t.test('through the gateway; an API error in words in the dialog; sign out forgets the key', async (t) => {
  const stack = await startDashboardStack(t);
  const adminKey = await stack.cliKey({ org: 'acme' }, 'dashboard admin', 'read,write,admin');
  const tp = await openPage(t, browser);
  const { page } = tp;
  const response = await page.goto(`${stack.gatewayUrl}/dashboard`);
  t.equal(response?.headers()['x-frame-options'], 'DENY', 'the page through the gateway, headers intact');
  await signIn(page, stack.gatewayUrl, adminKey);
  t.equal(await page.locator('#keys-table tbody tr').count(), 1, 'the listing through the gateway');
  t.ok(stack.upstream.received.length === 0, 'nothing went to the app upstream');

  await page.getByRole('button', { name: 'Create API Key' }).click();
  const dialog = page.locator('dialog[open]');
  await dialog.getByLabel('Name').fill('   ');
  await dialog.getByRole('button', { name: 'Create Key' }).click();
  const error = dialog.locator('.error');
  await error.waitFor();
  t.match(await error.textContent(), /name/i, "the problem's detail, in the dialog");
  t.equal(await page.locator('dialog[open]').count(), 1, 'the dialog stays open');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  t.equal(await page.locator('#keys-table tbody tr').count(), 1, 'nothing was created');

  await page.getByRole('button', { name: 'Sign out' }).click();
  t.ok(await page.getByLabel('API key').isVisible(), 'back to the sign-in form');
  t.equal(await page.locator('#keys-table tr').count(), 0, 'the table is gone');
  const storage = await page.evaluate(() => {
    const w = globalThis as unknown as {
      localStorage: { length: number };
      sessionStorage: { length: number };
      document: { cookie: string };
      location: { href: string };
    };
    return { local: w.localStorage.length, session: w.sessionStorage.length, cookie: w.document.cookie, url: w.location.href };
  });
  t.same(
    storage,
    { local: 0, session: 0, cookie: '', url: `${stack.gatewayUrl}/dashboard` },
    'no storage, cookie or URL ever held the key',
  );
  t.notOk((await page.content()).includes(adminKey.slice(13)));
  // The browser logs every failed fetch: the refused create, and nothing else.
  t.match(tp.errors, [/^Failed to load resource: the server responded with a status of 400/], 'only the expected 400');
  t.equal(tp.errors.length, 1);
  t.equal(tp.jsDialogs.length, 0);
});

t.test('an agency organization is offered Agency Read and Agency Write, and the key gets them', async (t) => {
  const stack = await startDashboardStack(t);
  stack.admin.store.addOrganization('acme', true);
  const admin = stack.key({ org: 'acme', name: 'agency admin', scopes: ['admin', 'agency:read', 'agency:write'] });
  const tp = await openPage(t, browser);
  const { page } = tp;
  await signIn(page, stack.admin.baseUrl, admin.plainKey);
  await page.getByRole('button', { name: 'Create API Key' }).click();
  const dialog = page.locator('dialog[open]');
  t.same(await dialog.locator('fieldset label').allTextContents(), [' Read', ' Write', ' Admin', ' Agency Read', ' Agency Write']);
  await dialog.getByLabel('Name').fill('agency reporting');
  await dialog.getByLabel('Write', { exact: true }).uncheck();
  await dialog.getByLabel('Agency Read').check();
  await dialog.getByRole('button', { name: 'Create Key' }).click();
  await page.locator('dialog[open] .plain-key').waitFor();
  await page.locator('dialog[open]').getByRole('button', { name: 'Done' }).click();
  const row = page.locator('#keys-table tbody tr', { hasText: 'agency reporting' });
  await row.waitFor();
  t.equal(await row.locator('td').nth(2).textContent(), 'read, agency:read');
  pageWasClean(t, tp);
});
