// A real browser for the dashboard tests: Debian's chromium driven by
// playwright-core (no browser download). One browser per test file, a fresh
// context (no shared storage, cookies or cache) per test. The flags keep
// Chromium from calling home (this machine has no internet: its own
// connections would fail and slow everything). Playwright gives each launch
// a temporary profile directory, removed on close.
import { existsSync } from 'node:fs';
import { chromium, type Browser, type ConsoleMessage, type Dialog, type Page } from 'playwright-core';
import { runCli } from './cli.js';
import { startGatewayStack, type GatewayStack } from './gateway.js';

interface TestLike {
  teardown(fn: () => void | Promise<void>): void;
}

export const CHROMIUM_PATH = '/usr/bin/chromium';

const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export async function launchBrowser(t: TestLike): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`${CHROMIUM_PATH} is missing: apt-get install chromium (.ci/run does)`);
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
  t.teardown(() => browser.close());
  return browser;
}

export interface TestPage {
  page: Page;
  /** Every JavaScript dialog (alert, confirm, prompt) the page opened: dismissed, and noted. */
  jsDialogs: Dialog[];
  /** Console errors (CSP violations are reported there) and uncaught exceptions. */
  errors: string[];
}

/** `permissions`: e.g. ['clipboard-read', 'clipboard-write'] to read what the page copied. */
export async function openPage(t: TestLike, browser: Browser, permissions: string[] = []): Promise<TestPage> {
  const context = await browser.newContext({ permissions });
  t.teardown(() => context.close());
  const page = await context.newPage();
  const jsDialogs: Dialog[] = [];
  const errors: string[] = [];
  page.on('dialog', (dialog) => {
    jsDialogs.push(dialog);
    void dialog.dismiss();
  });
  page.on('console', (message: ConsoleMessage) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(`uncaught: ${error.message}`));
  return { page, jsDialogs, errors };
}

/** Open the dashboard at `origin` and sign in with `key`; resolves once the keys table is shown. */
export async function signIn(page: Page, origin: string, key: string): Promise<void> {
  await page.goto(`${origin}/dashboard`);
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('#keys-table tbody tr').first().waitFor();
}

/** The values of every input, textarea and select in the page. */
export const inputValues = (page: Page): Promise<string[]> =>
  page.$$eval('input, textarea, select', (fields) => fields.map((field) => (field as unknown as { value: string }).value));

/**
 * The policy of the dashboard tests: the page (public) and the key API through
 * the gateway to the admin, and a proxied route to send traffic on.
 * ${UPSTREAM} and ${ADMIN} are replaced with real origins (test/helpers/gateway.ts).
 */
export const DASHBOARD_POLICY = `
upstreams:
  app: \${UPSTREAM}
  admin: { url: \${ADMIN}, forwardKey: true }
defaults: { upstream: app, key: org, rateLimit: { requests: 1000, per: 1m } }
routes:
  GET /dashboard: { public: true, upstream: admin }
  GET /dashboard/{asset}: { public: true, upstream: admin }
  GET /api/v1/organization/{organization_id}/visitors: read
  GET /api/v1/partner/reports: { scope: read, key: partner }
  GET /api/v1/organization/whoami: { scope: read, upstream: admin }
  GET /api/v1/organization/{organization_id}/api-keys: { scope: read, upstream: admin }
  POST /api/v1/organization/{organization_id}/api-keys: { scope: admin, upstream: admin }
  DELETE /api/v1/organization/{organization_id}/api-keys/{keyId}: { scope: admin, upstream: admin }
  POST /api/v1/organization/{organization_id}/api-keys/{keyId}/rotate: { scope: admin, upstream: admin }
  GET /api/v1/organization/{organization_id}/api-keys/{keyId}/usage: { scope: read, upstream: admin }
  GET /api/v1/partner/whoami: { scope: read, key: partner, upstream: admin }
  GET /api/v1/partner/api-keys: { scope: read, key: partner, upstream: admin }
  POST /api/v1/partner/api-keys: { scope: admin, key: partner, upstream: admin }
  DELETE /api/v1/partner/api-keys/{keyId}: { scope: admin, key: partner, upstream: admin }
  POST /api/v1/partner/api-keys/{keyId}/rotate: { scope: admin, key: partner, upstream: admin }
  GET /api/v1/partner/api-keys/{keyId}/usage: { scope: read, key: partner, upstream: admin }
`;

export interface DashboardStack extends GatewayStack {
  /** An admin key of `owner` created with the CLI (`keys create`), as a user bootstraps one. */
  cliKey(owner: { org: string } | { partner: string }, name: string, scopes?: string): Promise<string>;
  /** Resolves once the gateway's replica holds every change the store made so far. */
  replicaCaughtUp(): Promise<void>;
}

/**
 * `start` mode in-process (admin + gateway + SQLite, test/helpers/gateway.ts) with
 * DASHBOARD_POLICY. The shared manual clock is set to the real time, so the
 * browser's "now" (relative times, the last 24 hours) and the service's agree.
 */
export async function startDashboardStack(t: TestLike): Promise<DashboardStack> {
  const stack = await startGatewayStack(t, { policy: DASHBOARD_POLICY });
  stack.admin.clock.set(Date.now());
  return {
    ...stack,
    cliKey: async (owner, name, scopes) => {
      const ownerArgs = 'org' in owner ? ['--org', owner.org] : ['--partner', owner.partner];
      const args = ['keys', 'create', ...ownerArgs, '--name', name, ...(scopes ? ['--scopes', scopes] : [])];
      const created = await runCli(args, { DATABASE_PATH: stack.admin.dbPath });
      if (created.code !== 0) throw new Error(`keys create failed: ${created.stderr}`);
      return created.json.plainKey as string;
    },
    replicaCaughtUp: () => stack.replica.reached(stack.admin.store.currentSeq()),
  };
}
