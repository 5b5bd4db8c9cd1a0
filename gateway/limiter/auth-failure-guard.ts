// Failed authentications per client address, limited in memory with the
// token-bucket maths, so a flood of bad keys from one address is refused with
// 429. Per instance by design: it is a cheap abuse brake, not an exact quota.
// Only failures spend tokens; a blocked address stays blocked until a token
// has refilled. It never refuses a valid key: behind a shared NAT or an
// ingress one bad client must not lock out every tenant, so the pipeline
// still authenticates a blocked address and answers only its failures so.
// Addresses are grouped by core/client-address.ts, so they cannot be rotated
// for free. Memory is bounded (bucket-store.ts). It is the guard both planes'
// authentication step takes (core/authenticate-caller.ts). Its
// decisions say backend 'memory': they come from this process's buckets,
// whatever backend the request limiter uses.
import type { FailedAuthenticationGuard } from '../../core/authenticate-caller.js';
import { clientAddressKey } from '../../core/client-address.js';
import type { Clock } from '../../core/clock.js';
import { createBucketStore } from './bucket-store.js';
import { takeTokens } from './token-bucket.js';
import type { BucketDecision, RateLimitSpec } from './types.js';

export interface AuthFailureGuard extends FailedAuthenticationGuard {
  /** The refusal to answer with when `address` has no failures left, else undefined. */
  isBlocked(address: string): BucketDecision | undefined;
}

export interface AuthFailureGuardOptions {
  clock: Clock;
  /** Failures allowed per address: the rateLimit.authFailures setting. */
  spec: RateLimitSpec;
  maxEntries?: number;
}

export function createAuthFailureGuard(options: AuthFailureGuardOptions): AuthFailureGuard {
  const { clock, spec } = options;
  const store = createBucketStore({ clock, maxEntries: options.maxEntries ?? 50_000 });
  return {
    isBlocked(address) {
      const state = store.get(clientAddressKey(address));
      if (state === undefined) return undefined;
      const { decision } = takeTokens(state, clock.now(), 1, spec, 'memory');
      return decision.allowed ? undefined : decision;
    },
    recordFailure(address) {
      const id = clientAddressKey(address);
      const result = takeTokens(store.get(id), clock.now(), 1, spec, 'memory');
      if (!result.decision.allowed) return false;
      store.set(id, result.state, result.fullAtMs);
      return result.state.tokens < 1;
    },
  };
}
