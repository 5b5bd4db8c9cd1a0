// Which checks a key's request on a route is decided against, and where their
// state lives. Pure; the pipeline builds one plan per key and route and
// reuses it (gateway/pipeline/limit-plans.ts).
// - The key's windows: its own `rateLimits`, else the policy's
//   defaults.rateLimit. A window's bucket is named by its length (`:w60000`),
//   so the policy's and a key's own window of one length share a bucket: a
//   key moved to its own limits keeps what it used.
// - The route's windows (a route's own rateLimit): separate buckets per key
//   and route (`:r:GET /path:w60000`), checked together with the key's.
// - The quota: the key's own, else the policy's defaults.quota; one counter
//   per key and period kind (`:q:month`).
// Every bucket id starts with the key id, the plan's tag: in Redis it is the
// hash tag, so one request's buckets share a Cluster slot.
import { formatWindow, type QuotaSpec, type RateLimitSpec } from '../../core/rate-limits.js';
import type { LimitCheck, LimitPlan } from './types.js';

export interface PlanSources {
  readonly keyId: string;
  /** The key's own windows; null: the policy's. */
  readonly keyWindows: readonly RateLimitSpec[] | null;
  readonly policyWindows: readonly RateLimitSpec[];
  /** The route's own windows, with the route's label (`GET /path`); undefined when it has none. */
  readonly route?: { readonly label: string; readonly windows: readonly RateLimitSpec[] } | undefined;
  /** The key's own quota, else the policy's; null for none. */
  readonly quota: QuotaSpec | null;
}

function window(tag: string, suffix: string, name: string, spec: RateLimitSpec): LimitCheck {
  return Object.freeze({ kind: 'window', suffix, id: tag + suffix, name, spec });
}

export function buildPlan({ keyId, keyWindows, policyWindows, route, quota }: PlanSources): LimitPlan {
  const checks: LimitCheck[] = [];
  const own = keyWindows !== null;
  const windows = keyWindows ?? policyWindows;
  for (const spec of windows) {
    // IETF policy names: "default" alone keeps the one-window policy's header as it always was.
    const name = own ? `key-${formatWindow(spec.perMs)}` : windows.length === 1 ? 'default' : `default-${formatWindow(spec.perMs)}`;
    checks.push(window(keyId, `:w${spec.perMs}`, name, spec));
  }
  if (route) {
    for (const spec of route.windows) {
      checks.push(window(keyId, `:r:${route.label}:w${spec.perMs}`, `route-${formatWindow(spec.perMs)}`, spec));
    }
  }
  if (quota) {
    const suffix = `:q:${quota.period}`;
    checks.push(Object.freeze({ kind: 'quota', suffix, id: keyId + suffix, name: `quota-${quota.period}`, quota }));
  }
  return Object.freeze({ id: route ? `${keyId}|${route.label}` : keyId, tag: keyId, checks: Object.freeze(checks) });
}

/** A plan of one bucket stored at `bucketId` itself (the auth-failure guard's shape; tests and tools). */
export function singleWindowPlan(bucketId: string, spec: RateLimitSpec): LimitPlan {
  return Object.freeze({ id: bucketId, tag: bucketId, checks: Object.freeze([window(bucketId, '', 'default', spec)]) });
}
