// What the pipeline needs from a compiled policy: a small contract picked
// from the loader's own types (config/policy-types.ts), so the data plane
// depends on the fields it reads and no field is declared twice (hot reload
// swaps the compiled objects behind `current()`).
import type { CompiledRoute, Policy, UpstreamSpec } from '../../config/policy-types.js';
import type { RouteMatch } from '../../core/route-table.js';

/** Where a route forwards to, and how. */
export type UpstreamRule = Pick<UpstreamSpec, 'name' | 'origin' | 'forwardKey' | 'timeoutMs'>;

/** A route as the pipeline checks and forwards it. */
export interface RouteRule extends Omit<CompiledRoute, 'upstream'> {
  readonly upstream: UpstreamRule;
}

export interface RoutingPolicy extends Pick<Policy, 'hash' | 'rateLimits' | 'quota' | 'concurrency'> {
  readonly upstreams: ReadonlyMap<string, UpstreamRule>;
  match(method: string, path: string): RouteMatch<RouteRule> | undefined;
}

export interface PolicySource {
  current(): RoutingPolicy;
}
