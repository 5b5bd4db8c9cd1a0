// The limit plan of a key on a route (gateway/limiter/limit-plan.ts), built
// on its first request and reused. Held weakly by both: a policy reload
// compiles new route objects and a key change replaces the key's record, so
// a plan never outlives the limits it was built from and nothing needs
// invalidating.
import type { KeyAuthRecord } from '../../core/key-record.js';
import { buildPlan } from '../limiter/limit-plan.js';
import type { LimitPlan } from '../limiter/types.js';
import type { RouteRule, RoutingPolicy } from './policy-view.js';

export interface LimitPlans {
  /** `route` must be one of `policy`'s routes. */
  planFor(key: KeyAuthRecord, route: RouteRule, policy: Pick<RoutingPolicy, 'rateLimits' | 'quota'>): LimitPlan;
}

export function createLimitPlans(): LimitPlans {
  const byRoute = new WeakMap<RouteRule, WeakMap<KeyAuthRecord, LimitPlan>>();
  return {
    planFor(key, route, policy) {
      let byKey = byRoute.get(route);
      if (byKey === undefined) {
        byKey = new WeakMap();
        byRoute.set(route, byKey);
      }
      let plan = byKey.get(key);
      if (plan === undefined) {
        plan = buildPlan({
          keyId: key.id,
          keyWindows: key.rateLimits,
          policyWindows: policy.rateLimits,
          route: route.rateLimits ? { label: `${route.method} ${route.template}`, windows: route.rateLimits } : undefined,
          quota: key.quota ?? policy.quota,
        });
        byKey.set(key, plan);
      }
      return plan;
    },
  };
}
