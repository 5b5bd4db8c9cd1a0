// What a compiled policy says, in words for ops: one row per route, and the
// fate of one request (which route, which key, where it goes, or why it is
// refused before any key is read). Pure; the policy commands print these.
import { canonicalizeTarget } from '../core/request-target.js';
import { INTERNAL_ADMIN, type CompiledRoute, type Policy, type UpstreamSpec } from './policy-types.js';

export interface RouteRow {
  readonly method: string;
  readonly path: string;
  /** A scope, or `public`. */
  readonly access: string;
  readonly key: string;
  readonly upstream: string;
  readonly cost: number | null;
  readonly websocket: boolean;
}

export function routeRow(route: CompiledRoute): RouteRow {
  return {
    method: route.method,
    path: route.template,
    access: route.public ? 'public' : (route.scope ?? ''),
    key: route.public ? '-' : route.family,
    upstream: route.upstream.name,
    cost: route.public ? null : route.cost,
    websocket: route.websocket,
  };
}

/** The rows as an aligned text table, in file order. */
export function routesTable(policy: Policy): string {
  const header = ['METHOD', 'PATH', 'ACCESS', 'KEY', 'UPSTREAM', 'COST', 'WEBSOCKET'];
  const rows = policy.routes
    .map(routeRow)
    .map((row) => [
      row.method,
      row.path,
      row.access,
      row.key,
      row.upstream,
      row.cost === null ? '-' : String(row.cost),
      row.websocket ? 'yes' : '-',
    ]);
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => (row[i] as string).length)));
  const line = (cells: string[]): string =>
    cells
      .map((cell, i) => cell.padEnd(widths[i] as number))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

export type Explanation =
  | { outcome: 'refused'; status: 400 | 404; code: string; reason: string }
  | {
      outcome: 'matched';
      route: RouteRow;
      params: Readonly<Record<string, string>>;
      needs: string;
      forwardsTo: string;
      pathAndQuery: string;
    };

/** What the gateway would do with `METHOD target` before looking at any key. */
export function explainRequest(policy: Policy, method: string, target: string): Explanation {
  const canonical = canonicalizeTarget(target);
  if (!canonical.ok) return { outcome: 'refused', status: 400, code: 'invalid_request_target', reason: canonical.reason };
  const match = policy.match(method, canonical.target.path);
  if (!match) {
    return { outcome: 'refused', status: 404, code: 'route_not_found', reason: `no route matches ${method} ${canonical.target.path}` };
  }
  const route = match.value;
  return {
    outcome: 'matched',
    route: routeRow(route),
    params: match.params,
    needs: needsOf(route, match.params),
    forwardsTo: `${route.upstream.name} (${upstreamTarget(route.upstream)}${route.upstream.forwardKey ? ', with the key' : ''})`,
    pathAndQuery: canonical.target.path + canonical.target.query,
  };
}

/** An upstream's address as ops read it; `admin@internal` says what it stands for. */
export function upstreamTarget(upstream: UpstreamSpec): string {
  if (!upstream.internal) return upstream.origin;
  if (upstream.origin === INTERNAL_ADMIN) return `${INTERNAL_ADMIN}, the admin service of \`start\``;
  return `${INTERNAL_ADMIN} = ${upstream.origin}`;
}

function needsOf(route: CompiledRoute, params: Readonly<Record<string, string>>): string {
  if (route.public) return 'no key (public)';
  const family =
    route.family === 'org'
      ? 'an organization key (X-API-Key)'
      : route.family === 'partner'
        ? 'a partner key (X-Partner-API-Key)'
        : 'any key';
  const owner = route.organizationParam
    ? ` of organization ${params.organization_id}`
    : route.partnerParam
      ? ` of partner ${params.partner_id}`
      : '';
  return `${family}${owner} holding "${route.scope}", costing ${route.cost} token${route.cost === 1 ? '' : 's'}`;
}
