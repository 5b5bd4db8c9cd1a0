// Failed authentications per client address, limited in memory with the
// token-bucket maths, so a flood of bad keys from one address is refused with
// 429. Per instance by design: it is a cheap abuse brake, not an exact quota.
// Only failures spend tokens; a blocked address stays blocked until a token
// has refilled. It never refuses a valid key: behind a shared NAT or an
// ingress one bad client must not lock out every tenant, so the pipeline
// still authenticates a blocked address and answers only its failures so.
// Addresses are grouped so they cannot be rotated for free: an IPv4-mapped
// IPv6 address counts as its IPv4 address, and IPv6 counts per /64 (what one
// subscriber typically holds). Memory is bounded (bucket-store.ts). Its
// decisions say backend 'memory': they come from this process's buckets,
// whatever backend the request limiter uses.
import { isIPv6 } from 'node:net';
import type { Clock } from '../../core/clock.js';
import { createBucketStore } from './bucket-store.js';
import { takeTokens } from './token-bucket.js';
import type { LimitDecision, RateLimitSpec } from './types.js';

export interface AuthFailureGuard {
  /** The refusal to answer with when `address` has no failures left, else undefined. */
  isBlocked(address: string): LimitDecision | undefined;
  /** Spend one failure; true when it was the address' last one (the guard trips: log it once). */
  recordFailure(address: string): boolean;
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

/** The unit an address is limited by: IPv4 as is, IPv4-mapped as IPv4, IPv6 by /64. */
export function clientAddressKey(address: string): string {
  // Plain IPv4, the common case on every authenticated request: no parsing at all.
  if (!address.includes(':')) return address;
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  if (mapped?.[1]) return mapped[1];
  const bare = address.split('%')[0] ?? address;
  if (!isIPv6(bare)) return address;
  const groups = (text: string) => (text === '' ? [] : text.split(':').flatMap((g) => (g.includes('.') ? ['0', '0'] : [g])));
  const [left = '', right] = bare.toLowerCase().split('::');
  const head = groups(left);
  const tail = right === undefined ? [] : groups(right);
  const full = right === undefined ? head : [...head, ...Array<string>(8 - head.length - tail.length).fill('0'), ...tail];
  return `${full
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}
