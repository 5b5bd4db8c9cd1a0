// The compiled route policy: what the gateway consults on every request.
// Built once per load by config/policy.ts and deeply frozen, so a reload
// swaps one reference and a request never sees half a policy.
import type { KeyFamily } from '../core/keys.js';
import type { RouteMatch } from '../core/route-table.js';
import type { QuotaSpec, RateLimitSpec } from '../core/rate-limits.js';
import type { Scope } from '../core/scopes.js';

export const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
export type Method = (typeof METHODS)[number];

export const KEY_CHOICES = ['org', 'partner', 'any'] as const;
export type KeyChoice = (typeof KEY_CHOICES)[number];

/**
 * The upstream URL that means "the admin service of this process" (the spelling
 * follows Traefik's `api@internal`). Only `bullseye-gateway start` has one; a
 * gateway alone names the admin it forwards to by URL.
 */
export const INTERNAL_ADMIN = 'admin@internal';

/**
 * What `admin@internal` compiles to: this process' admin listener (`start`), nothing (a gateway
 * alone, where it is a problem), or itself, unresolved, in an offline check that cannot know.
 */
export type InternalAdmin = { readonly origin: string } | 'none' | 'unresolved';

export interface UpstreamSpec {
  readonly name: string;
  /**
   * Scheme, host and port, e.g. `http://127.0.0.1:9000`; no path. For an `admin@internal`
   * upstream, this process' admin listener; `admin@internal` itself only when compiled offline.
   */
  readonly origin: string;
  /** Declared as `admin@internal`. */
  readonly internal: boolean;
  /** Forward the client's key header (the admin service re-checks keys itself). */
  readonly forwardKey: boolean;
  readonly timeoutMs: number;
}

export interface CompiledRoute {
  readonly method: Method;
  /** The path pattern as written (`/api/v1/organization/{organization_id}/lists`): a bounded metrics/log label. */
  readonly template: string;
  readonly public: boolean;
  /** null only for public routes. */
  readonly scope: Scope | null;
  /** Which key family may call the route (`org` whenever the path has `{organization_id}`). */
  readonly family: KeyFamily | 'any';
  readonly upstream: UpstreamSpec;
  /** Tokens one request takes from every window it is checked against (and from the quota). */
  readonly cost: number;
  /** The route's own windows, checked per key beside the key's, all-or-nothing; null for none. */
  readonly rateLimits: readonly RateLimitSpec[] | null;
  /** May upgrade to a WebSocket (GET only); every other route refuses a request carrying Upgrade. */
  readonly websocket: boolean;
  /** The path has `{organization_id}`: the key's organization must equal it. */
  readonly organizationParam: boolean;
  /** The path has `{partner_id}`: the partner key's owner must equal it. */
  readonly partnerParam: boolean;
}

/** The limits' shapes are core's (core/rate-limits.ts): the policy, the settings and a key's own limits share them. */
export type { QuotaSpec, RateLimitSpec };

export interface Policy {
  /** The file name it was loaded from, for logs. */
  readonly source: string;
  /** First 12 hex characters of the SHA-256 of the file's bytes. */
  readonly hash: string;
  /** defaults.rateLimit: the windows of every key without its own `rateLimits` (at least one). */
  readonly rateLimits: readonly RateLimitSpec[];
  /** defaults.quota: the quota of every key without its own; null for none. */
  readonly quota: QuotaSpec | null;
  /** Requests one key may have in flight at once through one gateway. */
  readonly concurrency: number;
  readonly upstreams: ReadonlyMap<string, UpstreamSpec>;
  /** In file order. */
  readonly routes: readonly CompiledRoute[];
  /** Look up a canonical path (from canonicalizeTarget): literal segments beat parameters. */
  match(method: string, path: string): RouteMatch<CompiledRoute> | undefined;
}
