// The dialogs: create, rotate, revoke, and the one that shows a new key once.
// Each is a <dialog> built on demand and removed from the document when it
// closes (by a button or Escape), so nothing it showed stays in the page.
// An action's failure is shown in words inside its dialog, which stays open.
import { ApiProblem, type ApiKey, type CreateKeyRequest, type IssuedKey, type Scope } from './api.js';
import { h, setMessage } from './dom.js';
import { SCOPE_LABELS } from './format.js';

let dialogCount = 0;

function modal(title: string, ...content: Node[]): HTMLDialogElement {
  const headingId = `dialog-title-${++dialogCount}`;
  const dialog = h('dialog', { 'aria-labelledby': headingId }, h('h2', { id: headingId }, title), ...content);
  dialog.addEventListener('close', () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  return dialog;
}

const cancelButton = (dialog: () => HTMLDialogElement): HTMLButtonElement => {
  const button = h('button', { type: 'button', class: 'secondary' }, 'Cancel');
  button.addEventListener('click', () => dialog().close());
  return button;
};

const errorText = (err: unknown): string => (err instanceof ApiProblem ? err.message : 'Something went wrong; try again.');

/**
 * A form in a dialog whose submit runs `action`: the submit button is disabled
 * while it runs; success closes the dialog, failure shows why.
 */
function actionForm(submitLabel: string, fields: Node[], action: () => Promise<void>, dialog: () => HTMLDialogElement): HTMLFormElement {
  const error = h('p', { class: 'error', role: 'alert', hidden: true });
  const submit = h('button', { type: 'submit' }, submitLabel);
  const form = h('form', {}, ...fields, error, h('div', { class: 'buttons' }, cancelButton(dialog), submit));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    setMessage(error, '');
    submit.disabled = true;
    action().then(
      () => dialog().close(),
      (err: unknown) => {
        setMessage(error, errorText(err));
        submit.disabled = false;
      },
    );
  });
  return form;
}

/** Thrown by a form's own checks, shown like an API error. */
const invalid = (message: string): ApiProblem => new ApiProblem(0, 'invalid_form', message);

export interface CreateOptions {
  agency: boolean;
  create(request: CreateKeyRequest): Promise<IssuedKey>;
  created(issued: IssuedKey): void;
}

export function openCreateDialog({ agency, create, created }: CreateOptions): void {
  const scopes: Scope[] = agency ? ['read', 'write', 'admin', 'agency:read', 'agency:write'] : ['read', 'write', 'admin'];
  const name = h('input', { id: 'create-name', name: 'name', required: true, maxlength: '255', autocomplete: 'off' });
  const boxes = scopes.map((scope) =>
    h('input', { type: 'checkbox', name: 'scopes', value: scope, checked: scope === 'read' || scope === 'write' }),
  );
  const expiry = h('input', { id: 'create-expiry', name: 'expires', type: 'date' });
  const fields = [
    h('label', { for: 'create-name' }, 'Name'),
    name,
    h('p', { class: 'hint' }, 'A descriptive name, such as the integration that will use the key.'),
    h(
      'fieldset',
      {},
      h('legend', {}, 'Scopes'),
      ...boxes.map((box) => h('label', { class: 'check' }, box, ' ', SCOPE_LABELS[box.value] ?? box.value)),
    ),
    h('label', { for: 'create-expiry' }, 'Expires (optional)'),
    expiry,
    h('p', { class: 'hint' }, 'The key stops working at the end of that day (UTC). Empty: it never expires.'),
  ];
  const dialog = modal(
    'Create API Key',
    actionForm(
      'Create Key',
      fields,
      async () => {
        const chosen = boxes.filter((box) => box.checked).map((box) => box.value as Scope);
        if (chosen.length === 0) throw invalid('Select at least one scope.');
        const request: CreateKeyRequest = { name: name.value, scopes: chosen };
        if (expiry.value !== '') request.expiresAt = `${expiry.value}T23:59:59Z`;
        created(await create(request));
      },
      () => dialog,
    ),
  );
}

/** Grace periods offered when rotating, in seconds. */
const GRACE_CHOICES = [
  { seconds: 0, label: 'None: the old key stops working now' },
  { seconds: 3_600, label: '1 hour' },
  { seconds: 86_400, label: '24 hours' },
  { seconds: 604_800, label: '7 days' },
] as const;

export interface RotateOptions {
  key: ApiKey;
  rotate(gracePeriodSeconds: number): Promise<IssuedKey>;
  rotated(issued: IssuedKey): void;
}

export function openRotateDialog({ key, rotate, rotated }: RotateOptions): void {
  const radios = GRACE_CHOICES.map((choice) =>
    h('input', { type: 'radio', name: 'grace', value: String(choice.seconds), checked: choice.seconds === 86_400 }),
  );
  const fields = [
    h(
      'p',
      {},
      'A new key replaces ',
      h('strong', { class: 'key-name' }, key.name),
      ' with the same scopes, expiry and allowlist. The old key keeps working for the grace period, so you can deploy the new one.',
    ),
    h(
      'fieldset',
      {},
      h('legend', {}, 'Grace period'),
      ...radios.map((radio, index) => h('label', { class: 'check' }, radio, ' ', GRACE_CHOICES[index]?.label ?? '')),
    ),
  ];
  const dialog = modal(
    'Rotate API Key',
    actionForm(
      'Rotate Key',
      fields,
      async () => {
        const grace = Number(radios.find((radio) => radio.checked)?.value ?? '86400');
        rotated(await rotate(grace));
      },
      () => dialog,
    ),
  );
}

export interface RevokeOptions {
  key: ApiKey;
  revoke(): Promise<void>;
  revoked(): void;
}

export function openRevokeDialog({ key, revoke, revoked }: RevokeOptions): void {
  const fields = [
    h(
      'p',
      {},
      'Revoke ',
      h('strong', { class: 'key-name' }, key.name),
      ' (',
      h('code', {}, key.keyPrefix),
      ')? Requests with it are refused at once, at every gateway. This cannot be undone.',
    ),
  ];
  const dialog = modal(
    'Revoke API Key',
    actionForm(
      'Revoke Key',
      fields,
      async () => {
        await revoke();
        revoked();
      },
      () => dialog,
    ),
  );
}

/**
 * The full key, once. Closing the dialog empties it and removes it from the
 * document; the caller keeps no copy, so the key then exists nowhere in the page.
 */
export function showIssuedKey(title: string, issued: IssuedKey): void {
  let plainKey = issued.plainKey;
  const value = h('code', { class: 'plain-key' }, plainKey);
  const status = h('p', { class: 'copy-status', role: 'status', hidden: true });
  const copy = h('button', { type: 'button' }, 'Copy');
  copy.addEventListener('click', () => {
    const selectForManualCopy = (): void => {
      getSelection()?.selectAllChildren(value);
      setMessage(status, 'Copying is not allowed here: the key is selected, press Ctrl+C (⌘C) to copy it.');
    };
    if (navigator.clipboard === undefined) return selectForManualCopy();
    navigator.clipboard.writeText(plainKey).then(() => setMessage(status, 'Copied to the clipboard.'), selectForManualCopy);
  });
  const done = h('button', { type: 'button' }, 'Done');
  const dialog = modal(
    title,
    h(
      'p',
      { class: 'warning' },
      'Copy the key now and store it securely. The full key is displayed only once: it will not be shown again.',
    ),
    h('div', { class: 'plain-key-row' }, value, copy),
    status,
    h('p', { class: 'muted' }, h('span', { class: 'key-name' }, issued.apiKey.name), ` · ${issued.apiKey.scopes.join(', ')}`),
    h('div', { class: 'buttons' }, done),
  );
  done.addEventListener('click', () => dialog.close());
  dialog.addEventListener('close', () => {
    value.textContent = '';
    plainKey = '';
  });
}
