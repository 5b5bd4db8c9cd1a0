// What a compiled policy says, in words for ops: one row per route, and the
// fate of one request (which route, which key, where it goes, or why it is
// refused before any key is read). Pure; the policy commands print these.
import { canonicalizeTarget } from '../core/request-target.js';
import { formatLimits, formatQuota } from './limit-format.js';
import { INTERNAL_ADMIN, type CompiledRoute, type Policy, type QuotaSpec, type RateLimitSpec, type UpstreamSpec } from './policy-types.js';

export interface RouteRow {
  readonly method: string;
  readonly path: string;
  /** A scope, or `public`. */
  readonly access: string;
  readonly key: string;
  readonly upstream: string;
  readonly cost: number | null;
  /** The route's own windows, checked per key beside the key's; null for none. */
  readonly rateLimits: readonly RateLimitSpec[] | null;
  readonly websocket: boolean;
}

/** defaults.rateLimit and defaults.quota: what a key without its own limits gets. */
export interface LimitDefaults {
  readonly rateLimits: readonly RateLimitSpec[];
  readonly quota: QuotaSpec | null;
}

export const limitDefaults = (policy: Policy): LimitDefaults => ({ rateLimits: policy.rateLimits, quota: policy.quota });

export function routeRow(route: CompiledRoute): RouteRow {
  return {
    method: route.method,
    path: route.template,
    access: route.public ? 'public' : (route.scope ?? ''),
    key: route.public ? '-' : route.family,
    upstream: route.upstream.name,
    cost: route.public ? null : route.cost,
    rateLimits: route.rateLimits,
    websocket: route.websocket,
  };
}

/** The rows as an aligned text table, in file order, then the limits every key gets unless it has its own. */
export function routesTable(policy: Policy): string {
  const header = ['METHOD', 'PATH', 'ACCESS', 'KEY', 'UPSTREAM', 'COST', 'WEBSOCKET', 'RATE LIMIT'];
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
      row.rateLimits ? formatLimits(row.rateLimits) : '-',
    ]);
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => (row[i] as string).length)));
  const line = (cells: string[]): string =>
    cells
      .map((cell, i) => cell.padEnd(widths[i] as number))
      .join('  ')
      .trimEnd();
  const defaults = [
    `default rate limit: ${formatLimits(policy.rateLimits)} per key`,
    `default quota:      ${policy.quota ? `${formatQuota(policy.quota)} per key` : 'none'}`,
  ];
  return [line(header), ...rows.map(line), '', ...defaults].join('\n') + '\n';
}

export type Explanation =
  | { outcome: 'refused'; status: 400 | 404; code: string; reason: string }
  | {
      outcome: 'matched';
      route: RouteRow;
      params: Readonly<Record<string, string>>;
      needs: string;
      /** Every limit a request is checked against, in words. */
      limits: string;
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
    limits: limitsOf(route, policy),
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

function limitsOf(route: CompiledRoute, policy: Policy): string {
  if (route.public) return 'none (public: no key to limit)';
  const own = ' (the default; a key may have its own)';
  return [
    `key ${formatLimits(policy.rateLimits)}${own}`,
    ...(route.rateLimits ? [`route ${formatLimits(route.rateLimits)} per key`] : []),
    policy.quota ? `quota ${formatQuota(policy.quota)}${own}` : 'no quota unless the key has one',
  ].join('; ');
}
