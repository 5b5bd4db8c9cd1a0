// The admin API's routes: the contract's table, compiled once into a
// RouteTable. Each route names the key family it serves, the scope it needs
// and whether it reads a body; the server applies those uniformly.
import type { KeyFamily } from '../core/keys.js';
import { RouteTable } from '../core/route-table.js';
import type { Scope } from '../core/scopes.js';
import { createKey, listKeys, revokeKey, type KeyHandler } from './key-handlers.js';

export interface AdminRoute {
  /** `METHOD /pattern`, as logged. */
  readonly template: string;
  readonly family: KeyFamily;
  readonly scope: Scope;
  readonly readsBody: boolean;
  readonly handle: KeyHandler;
}

const ORG = '/api/v1/organization/{organization_id}/api-keys';
const PARTNER = '/api/v1/partner/api-keys';

const ROUTES: ReadonlyArray<readonly [string, string, Omit<AdminRoute, 'template'>]> = [
  ['GET', ORG, { family: 'org', scope: 'read', readsBody: false, handle: listKeys }],
  ['POST', ORG, { family: 'org', scope: 'admin', readsBody: true, handle: createKey }],
  ['DELETE', `${ORG}/{keyId}`, { family: 'org', scope: 'admin', readsBody: false, handle: revokeKey }],
  ['GET', PARTNER, { family: 'partner', scope: 'read', readsBody: false, handle: listKeys }],
  ['POST', PARTNER, { family: 'partner', scope: 'admin', readsBody: true, handle: createKey }],
  ['DELETE', `${PARTNER}/{keyId}`, { family: 'partner', scope: 'admin', readsBody: false, handle: revokeKey }],
];

export const ADMIN_METHODS: readonly string[] = [...new Set(ROUTES.map(([method]) => method))];

export function compileAdminRoutes(): RouteTable<AdminRoute> {
  const table = new RouteTable<AdminRoute>();
  for (const [method, pattern, route] of ROUTES) {
    table.add(method, pattern, Object.freeze({ ...route, template: `${method} ${pattern}` }));
  }
  return table;
}

/** Methods some route serves at `path`, for a 405's Allow header (empty: the path is unknown). */
export function allowedMethods(table: RouteTable<AdminRoute>, path: string): string[] {
  return ADMIN_METHODS.filter((method) => table.match(method, path) !== undefined);
}
