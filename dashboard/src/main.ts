// The page's wiring: sign in, load and show the keys, open the dialogs, show
// the selected key's usage, sign out. State lives in session.ts (memory only).
import { ApiClient, ApiProblem, familyOf, type ApiKey, type IssuedKey } from './api.js';
import { openCreateDialog, openRevokeDialog, openRotateDialog, showIssuedKey } from './dialogs.js';
import { byId, setMessage } from './dom.js';
import { renderKeysTable } from './keys-table.js';
import { session, signIn, signOut } from './session.js';
import { hideUsage, showUsage } from './usage-panel.js';

const signInView = byId('sign-in-view', HTMLElement);
const signInForm = byId('sign-in-form', HTMLFormElement);
const keyInput = byId('api-key', HTMLInputElement);
const signInError = byId('sign-in-error', HTMLParagraphElement);
const appView = byId('app-view', HTMLDivElement);
const signedInAs = byId('signed-in-as', HTMLSpanElement);
const signOutButton = byId('sign-out', HTMLButtonElement);
const settingsLabel = byId('settings-label', HTMLParagraphElement);
const breadcrumb = byId('breadcrumb', HTMLParagraphElement);
const createButton = byId('create-key', HTMLButtonElement);
const readOnlyNote = byId('read-only-note', HTMLParagraphElement);
const keysError = byId('keys-error', HTMLParagraphElement);
const table = byId('keys-table', HTMLTableElement);
const usagePanel = byId('usage', HTMLElement);

let keys: ApiKey[] = [];
let selectedId: string | undefined;

const errorText = (err: unknown): string => (err instanceof ApiProblem ? err.message : 'Something went wrong; try again.');

function render(): void {
  const current = session();
  if (!current) return;
  renderKeysTable(table, keys, Date.now(), {
    canManage: current.canManage,
    selectedId,
    onSelect: select,
    onRevoke: (key) => openRevokeDialog({ key, revoke: () => current.client.revokeKey(key.id), revoked: () => void refresh() }),
    onRotate: (key) =>
      openRotateDialog({
        key,
        rotate: (grace) => current.client.rotateKey(key.id, grace),
        rotated: (issued) => issuedAndRefresh('API key rotated', issued),
      }),
  });
}

function select(key: ApiKey): void {
  const current = session();
  if (!current) return;
  selectedId = key.id;
  render();
  void showUsage(usagePanel, current.client, key);
}

async function refresh(): Promise<void> {
  const current = session();
  if (!current) return;
  try {
    const listed = await current.client.listKeys();
    if (session() !== current) return; // signed out meanwhile
    keys = listed;
    setMessage(keysError, '');
  } catch (err) {
    setMessage(keysError, errorText(err));
  }
  render();
}

function issuedAndRefresh(title: string, issued: IssuedKey): void {
  showIssuedKey(title, issued);
  void refresh();
}

async function onSignIn(event: SubmitEvent): Promise<void> {
  event.preventDefault();
  const key = keyInput.value.trim();
  const info = familyOf(key);
  if (!info) {
    setMessage(signInError, 'An API key starts with bsk_live_ (organization) or pk_live_ (partner).');
    return;
  }
  setMessage(signInError, '');
  const client = new ApiClient(key, info);
  let who;
  try {
    who = await client.whoami();
  } catch (err) {
    setMessage(signInError, errorText(err));
    return;
  }
  keyInput.value = ''; // the key now lives in the client only
  const current = signIn(client, who);
  const owner = who.organization ? `organization ${who.organization.id}` : `partner ${who.partner?.id ?? ''}`;
  signedInAs.textContent = `${who.apiKey.name} (${who.apiKey.keyPrefix}) · ${owner}`;
  settingsLabel.textContent = info.settingsLabel;
  breadcrumb.textContent = `${info.settingsLabel} > API Keys`;
  createButton.hidden = !current.canManage;
  readOnlyNote.hidden = current.canManage;
  signInView.hidden = true;
  appView.hidden = false;
  signedInAs.hidden = false;
  signOutButton.hidden = false;
  await refresh();
}

function onSignOut(): void {
  signOut();
  keys = [];
  selectedId = undefined;
  for (const dialog of document.querySelectorAll('dialog')) dialog.close();
  table.replaceChildren();
  hideUsage(usagePanel);
  signedInAs.textContent = '';
  signedInAs.hidden = true;
  signOutButton.hidden = true;
  createButton.hidden = true;
  appView.hidden = true;
  signInView.hidden = false;
  keyInput.focus();
}

signInForm.addEventListener('submit', (event) => void onSignIn(event));
signOutButton.addEventListener('click', onSignOut);
createButton.addEventListener('click', () => {
  const current = session();
  if (!current) return;
  openCreateDialog({
    agency: current.agency,
    create: (request) => current.client.createKey(request),
    created: (issued) => issuedAndRefresh('API key created', issued),
  });
});
