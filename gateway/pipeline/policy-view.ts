// What the pipeline needs from a compiled policy, stated here so the data
// plane depends on a small contract rather than on the loader (config/
// produces objects of this shape; hot reload swaps them behind `current()`).
import type { KeyFamily } from '../../core/keys.js';
import type { RouteMatch } from '../../core/route-table.js';
import type { Scope } from '../../core/scopes.js';
import type { RateLimitSpec } from '../limiter/types.js';

export interface UpstreamRule {
  readonly name: string;
  /** e.g. http://127.0.0.1:9000 */
  readonly origin: string;
  /** Pass the credential header through (for upstreams that re-check keys, like the admin). */
  readonly forwardKey: boolean;
  readonly timeoutMs: number;
}

export interface RouteRule {
  readonly method: string;
  /** The path pattern as written in the policy; a bounded label for logs and metrics. */
  readonly template: string;
  readonly public: boolean;
  readonly scope: Scope | null;
  readonly family: KeyFamily | 'any';
  readonly upstream: UpstreamRule;
  readonly cost: number;
  /** The one kind of route on which a WebSocket upgrade may be opened. */
  readonly websocket: boolean;
  /** The path has {organization_id}: the key's organization must equal it. */
  readonly organizationParam: boolean;
  /** The path has {partner_id}: the key's partner must equal it. */
  readonly partnerParam: boolean;
}

export interface RoutingPolicy {
  readonly hash: string;
  readonly rateLimit: RateLimitSpec;
  /** Requests one key may have in flight at once (defaults.concurrency). */
  readonly concurrency: number;
  readonly upstreams: ReadonlyMap<string, UpstreamRule>;
  match(method: string, path: string): RouteMatch<RouteRule> | undefined;
}

export interface PolicySource {
  current(): RoutingPolicy;
}
