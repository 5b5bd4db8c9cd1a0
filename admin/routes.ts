// The admin API's routes: the contract's table, compiled once into a
// RouteTable. A key route names the key family it serves, the scope it needs
// and whether it reads a body; the server applies those uniformly. A public
// route needs no key. Every route carries its OpenAPI description; the server
// builds the document it serves at /openapi.json from this same list, once
// (admin/openapi/document.ts reads this module's types; never the reverse).
import type { KeyFamily } from '../core/keys.js';
import { RouteTable } from '../core/route-table.js';
import type { Scope } from '../core/scopes.js';
import { createKey, listKeys, revokeKey, type KeyHandler, type Reply } from './key-handlers.js';
import {
  createKeyDoc,
  keyUsageDoc,
  listKeysDoc,
  openApiDoc,
  revokeKeyDoc,
  rotateKeyDoc,
  updateKeyDoc,
  whoamiDoc,
  type OperationDoc,
} from './openapi/operations.js';
import { keyUsage } from './key-usage.js';
import { rotateKey } from './rotate-key.js';
import { updateKey } from './update-key.js';
import { whoami } from './whoami.js';

interface RouteBase {
  readonly method: string;
  /** `/literal/{param}/...`, as RouteTable and OpenAPI both write it. */
  readonly pattern: string;
  /** `METHOD /pattern`, as logged. */
  readonly template: string;
  readonly doc: OperationDoc;
}

export interface KeyRoute extends RouteBase {
  readonly kind: 'key';
  readonly family: KeyFamily;
  readonly scope: Scope;
  readonly readsBody: boolean;
  readonly handle: KeyHandler;
}

/** What a public route is given: what the server built at its creation. */
export interface PublicCall {
  readonly openApiDocument: Readonly<Record<string, unknown>>;
}

export interface PublicRoute extends RouteBase {
  readonly kind: 'public';
  readonly handle: (call: PublicCall) => Reply;
}

export type AdminRoute = KeyRoute | PublicRoute;

const ORG = '/api/v1/organization/{organization_id}/api-keys';
const PARTNER = '/api/v1/partner/api-keys';
/** The caller's own key and owner: no owner in the path, so the owner is the caller's. */
const WHOAMI: Readonly<Record<KeyFamily, string>> = { org: '/api/v1/organization/whoami', partner: '/api/v1/partner/whoami' };

type KeyRouteSpec = Omit<KeyRoute, 'kind' | 'method' | 'pattern' | 'template'>;
type PublicRouteSpec = Omit<PublicRoute, 'kind' | 'method' | 'pattern' | 'template'>;

const keyRoute = (method: string, pattern: string, spec: KeyRouteSpec): AdminRoute =>
  Object.freeze({ kind: 'key', method, pattern, template: `${method} ${pattern}`, ...spec });
const publicRoute = (method: string, pattern: string, spec: PublicRouteSpec): AdminRoute =>
  Object.freeze({ kind: 'public', method, pattern, template: `${method} ${pattern}`, ...spec });

/** A family's key routes: the contract's table. */
const keyRoutes = (family: KeyFamily, base: string): AdminRoute[] => {
  const one = `${base}/{keyId}`;
  return [
    keyRoute('GET', base, { family, scope: 'read', readsBody: false, handle: listKeys, doc: listKeysDoc(family) }),
    keyRoute('POST', base, { family, scope: 'admin', readsBody: true, handle: createKey, doc: createKeyDoc(family) }),
    keyRoute('DELETE', one, { family, scope: 'admin', readsBody: false, handle: revokeKey, doc: revokeKeyDoc(family) }),
    keyRoute('PATCH', one, { family, scope: 'admin', readsBody: true, handle: updateKey, doc: updateKeyDoc(family) }),
    keyRoute('POST', `${one}/rotate`, { family, scope: 'admin', readsBody: true, handle: rotateKey, doc: rotateKeyDoc(family) }),
    keyRoute('GET', `${one}/usage`, { family, scope: 'read', readsBody: false, handle: keyUsage, doc: keyUsageDoc(family) }),
    keyRoute('GET', WHOAMI[family], { family, scope: 'read', readsBody: false, handle: whoami, doc: whoamiDoc(family) }),
  ];
};

/** Every route the admin serves. */
export const ADMIN_ROUTES: readonly AdminRoute[] = Object.freeze([
  ...keyRoutes('org', ORG),
  ...keyRoutes('partner', PARTNER),
  publicRoute('GET', '/openapi.json', { handle: ({ openApiDocument }) => ({ status: 200, body: openApiDocument }), doc: openApiDoc }),
]);

export const ADMIN_METHODS: readonly string[] = [...new Set(ADMIN_ROUTES.map((route) => route.method))];

export function compileAdminRoutes(): RouteTable<AdminRoute> {
  const table = new RouteTable<AdminRoute>();
  for (const route of ADMIN_ROUTES) table.add(route.method, route.pattern, route);
  return table;
}

/** Methods some route serves at `path`, for a 405's Allow header (empty: the path is unknown). */
export function allowedMethods(table: RouteTable<AdminRoute>, path: string): string[] {
  return ADMIN_METHODS.filter((method) => table.match(method, path) !== undefined);
}
