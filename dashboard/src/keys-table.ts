// The API Keys table: one row per key, with the columns the docs list.
// Action buttons exist only when the caller may manage keys, and only on
// active rows. Clicking a row (or pressing Enter on it) selects it for usage.
import type { ApiKey } from './api.js';
import { h } from './dom.js';
import { relativeTime, shortDate, statusOf } from './format.js';

export interface TableActions {
  canManage: boolean;
  selectedId: string | undefined;
  onSelect(key: ApiKey): void;
  onRevoke(key: ApiKey): void;
  onRotate(key: ApiKey): void;
}

export const COLUMNS = ['Name', 'Key prefix', 'Scopes', 'Status', 'Last used', 'Created', 'Expires'] as const;

/** A time cell: `text` shown, the exact ISO time on hover. */
const timeCell = (iso: string | null, text: string): HTMLTableCellElement =>
  iso === null ? h('td', {}, text) : h('td', {}, h('time', { datetime: iso, title: iso }, text));

function actionButton(label: string, key: ApiKey, run: (key: ApiKey) => void): HTMLButtonElement {
  const button = h('button', { type: 'button', class: `action action-${label.toLowerCase()}` }, label);
  button.addEventListener('click', (event) => {
    event.stopPropagation(); // an action is not a selection
    run(key);
  });
  return button;
}

function keyRow(key: ApiKey, nowMs: number, actions: TableActions): HTMLTableRowElement {
  const status = statusOf(key, nowMs);
  const row = h(
    'tr',
    { 'data-key-id': key.id, tabindex: '0', class: key.id === actions.selectedId ? 'key-row selected' : 'key-row' },
    h('td', { class: 'key-name' }, key.name),
    h('td', {}, h('code', {}, key.keyPrefix)),
    h('td', { class: 'key-scopes' }, key.scopes.join(', ')),
    h('td', {}, h('span', { class: `status status-${status.toLowerCase()}` }, status)),
    timeCell(key.lastUsedAt, key.lastUsedAt === null ? 'Never' : relativeTime(Date.parse(key.lastUsedAt), nowMs)),
    timeCell(key.createdAt, shortDate(key.createdAt)),
    timeCell(key.expiresAt, key.expiresAt === null ? 'Never' : shortDate(key.expiresAt)),
  );
  if (actions.canManage) {
    const cell = h('td', { class: 'actions' });
    if (status === 'Active') cell.append(actionButton('Rotate', key, actions.onRotate), actionButton('Revoke', key, actions.onRevoke));
    row.append(cell);
  }
  row.addEventListener('click', () => actions.onSelect(key));
  row.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && event.target === row) actions.onSelect(key);
  });
  return row;
}

export function renderKeysTable(table: HTMLTableElement, keys: readonly ApiKey[], nowMs: number, actions: TableActions): void {
  const headings = COLUMNS.map((column) => h('th', { scope: 'col' }, column));
  if (actions.canManage) headings.push(h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'Actions')));
  const body =
    keys.length === 0
      ? h('tbody', {}, h('tr', {}, h('td', { colspan: String(headings.length), class: 'empty' }, 'No API keys yet.')))
      : h('tbody', {}, ...keys.map((key) => keyRow(key, nowMs, actions)));
  table.replaceChildren(h('thead', {}, h('tr', {}, ...headings)), body);
}
