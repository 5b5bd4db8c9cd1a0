// Policy meaning: resolve upstream names and defaults, check each route's key
// family against the identities its path names, and build the route table
// (which refuses duplicate and ambiguous routes). Problems are recorded, not
// thrown; the result is deeply frozen so a reload swaps one reference.
import { RouteTable } from '../core/route-table.js';
import { formatLimit, formatQuota } from './limit-format.js';
import { DEFAULT_RATE_LIMITS, type PolicyDraft, type RouteDraft, type UpstreamDraft } from './policy-schema.js';
import {
  INTERNAL_ADMIN,
  type CompiledRoute,
  type InternalAdmin,
  type Policy,
  type RateLimitSpec,
  type UpstreamSpec,
} from './policy-types.js';
import type { Located, Problems } from './yaml-source.js';

export interface PolicyIdentity {
  readonly source: string;
  readonly hash: string;
}

/** What `admin@internal` means where this policy is compiled. */
export interface PolicyContext {
  readonly internalAdmin: InternalAdmin;
}

/** An `admin@internal` upstream's origin here, or undefined (and a problem) where there is no admin in-process. */
function internalOrigin(draft: UpstreamDraft, context: PolicyContext, problems: Problems): string | undefined {
  const { internalAdmin } = context;
  if (internalAdmin === 'unresolved') return INTERNAL_ADMIN;
  if (internalAdmin !== 'none') return internalAdmin.origin;
  const at = draft.internal as Located<true>;
  const problem = `${INTERNAL_ADMIN} is the admin service of \`bullseye-gateway start\`; a gateway alone has none: name the admin's API URL instead, e.g. http://admin:8081`;
  problems.add(at.at, at.path, problem);
  return undefined;
}

/** A ReadonlyMap that also refuses writes at run time (Object.freeze does not stop Map.set). */
function frozenMap<K, V>(map: Map<K, V>): ReadonlyMap<K, V> {
  const refuse = () => {
    throw new TypeError('the policy is frozen');
  };
  return Object.freeze(Object.assign(map, { set: refuse, delete: refuse, clear: refuse }));
}

/** Returns the policy, or undefined when `problems` is not empty afterwards. */
export function compilePolicy(
  draft: PolicyDraft,
  problems: Problems,
  identity: PolicyIdentity,
  context: PolicyContext,
): Policy | undefined {
  const declared = new Set(draft.upstreams.map((upstream) => upstream.name));
  const known = [...declared].join(', ');
  const upstreams = new Map<string, UpstreamSpec>();
  for (const upstream of draft.upstreams) {
    const { name, forwardKey, timeoutMs } = upstream;
    const internal = upstream.internal !== undefined;
    const origin = internal ? internalOrigin(upstream, context, problems) : upstream.origin;
    if (origin === undefined) continue;
    upstreams.set(name, Object.freeze({ name, origin, internal, forwardKey, timeoutMs: timeoutMs ?? draft.defaults.timeoutMs }));
  }
  // With no upstream declared that is the one problem to report, not every reference to one.
  const checkRefs = declared.size > 0;
  const fallback = draft.defaults.upstream;
  if (checkRefs && fallback && !declared.has(fallback.value)) {
    problems.add(fallback.at, fallback.path, `unknown upstream "${fallback.value}" (known: ${known})`);
  }

  const table = new RouteTable<CompiledRoute>();
  const routes: CompiledRoute[] = [];
  for (const route of draft.routes) {
    const ref = route.upstream ?? fallback;
    if (!checkRefs) {
      // reported once, above
    } else if (!ref) {
      problems.add(route.entry.at, route.entry.path, 'has no upstream: set upstream here or defaults.upstream');
    } else if (ref === route.upstream && !declared.has(ref.value)) {
      problems.add(ref.at, ref.path, `unknown upstream "${ref.value}" (known: ${known})`);
    }
    const compiled = compileRoute(route, draft, problems, (ref && upstreams.get(ref.value)) ?? UNRESOLVED);
    try {
      table.add(route.method, route.pattern, compiled);
    } catch (err) {
      problems.add(route.entry.keyNode, route.entry.path, `ambiguous: ${(err as Error).message}`);
    }
    routes.push(compiled);
  }

  if (problems.size) return undefined;
  return Object.freeze({
    ...identity,
    rateLimits: draft.defaults.rateLimits?.value ?? DEFAULT_RATE_LIMITS,
    quota: draft.defaults.quota?.value ?? null,
    concurrency: draft.defaults.concurrency,
    upstreams: frozenMap(upstreams),
    routes: Object.freeze(routes),
    match: (method: string, path: string) => table.match(method, path),
  });
}

/** Stands in for an upstream that failed validation; never part of a returned policy. */
const UNRESOLVED: UpstreamSpec = Object.freeze({ name: '', origin: '', internal: false, forwardKey: false, timeoutMs: 0 });

function compileRoute(route: RouteDraft, draft: PolicyDraft, problems: Problems, upstream: UpstreamSpec): CompiledRoute {
  const { entry } = route;
  const organizationParam = route.paramNames.includes('organization_id');
  const partnerParam = route.paramNames.includes('partner_id');
  const key = route.key ?? draft.defaults.key;
  const family = key?.value ?? 'org';
  const cost = route.cost?.value ?? 1;
  const websocket = route.websocket?.value ?? false;
  if (websocket && route.method !== 'GET') {
    // RFC 6455 §4.1: the opening handshake is a GET; any other method asking to upgrade is refused.
    problems.add(route.websocket!.at, route.websocket!.path, `websocket: true needs a GET route, not ${route.method}`);
  }

  if (route.public) {
    // Nobody's key is checked on a public route, so nothing that depends on a key may be set.
    if (route.scope) problems.add(entry.at, entry.path, 'a public route takes no scope');
    if (route.key) problems.add(route.key.at, route.key.path, 'a public route takes no key');
    if (route.cost) problems.add(route.cost.at, route.cost.path, 'a public route has no key bucket to take cost from');
    if (route.rateLimits) problems.add(route.rateLimits.at, route.rateLimits.path, 'a public route has no key to limit');
    if (organizationParam || partnerParam) {
      const problem = 'a public route cannot have {organization_id} or {partner_id}: no key is checked against it';
      problems.add(entry.keyNode, entry.path, problem);
    }
  } else {
    // A partner key never owns an organization (nor an org key a partner id): with `any` every
    // partner key would get a 403 at run time, with the other family a 401, so it is refused here.
    const at = route.key?.at ?? entry.keyNode;
    const origin = key === undefined ? ' (the default)' : key === route.key ? '' : ` (from ${key.path})`;
    const given = `not "${family}"${origin}`;
    if (organizationParam && family !== 'org') {
      const problem = `routes with {organization_id} need key: org, ${given}: only org keys own an organization`;
      problems.add(at, entry.path, problem);
    }
    if (partnerParam && family !== 'partner') {
      const problem = `routes with {partner_id} need key: partner, ${given}: only partner keys own a partner id`;
      problems.add(at, entry.path, problem);
    }
    if (route.cost) checkCost(route, draft, problems);
  }

  return Object.freeze({
    method: route.method,
    template: route.pattern,
    public: route.public,
    scope: route.public ? null : route.scope,
    family: route.public ? 'any' : family,
    upstream,
    cost,
    rateLimits: route.public ? null : (route.rateLimits?.value ?? null),
    websocket,
    organizationParam,
    partnerParam,
  });
}

/**
 * A cost above any window the route is always checked against (the policy's, the route's own) or above
 * the quota could never be admitted. A key's own windows may still be smaller: the limiter refuses those
 * requests at run time, with a Retry-After, since keys change without a policy check.
 */
function checkCost(route: RouteDraft, draft: PolicyDraft, problems: Problems): void {
  const cost = route.cost as Located<number>;
  const defaults = draft.defaults.rateLimits;
  const limits: [string, readonly RateLimitSpec[]][] = [
    [defaults ? 'defaults.rateLimit' : 'the default rate limit', defaults?.value ?? DEFAULT_RATE_LIMITS],
    ["this route's rateLimit", route.rateLimits?.value ?? []],
  ];
  for (const [name, windows] of limits) {
    const smallest = windows.reduce<RateLimitSpec | undefined>((min, w) => (min && min.requests <= w.requests ? min : w), undefined);
    if (smallest && cost.value > smallest.requests) {
      const problem = `cost ${cost.value} exceeds ${name} ${formatLimit(smallest)}: the route could never be served`;
      problems.add(cost.at, cost.path, problem);
    }
  }
  const quota = draft.defaults.quota?.value;
  if (quota && cost.value > quota.limit) {
    problems.add(cost.at, cost.path, `cost ${cost.value} exceeds defaults.quota ${formatQuota(quota)}: the route could never be served`);
  }
}
