// A circuit breaker around Redis, on the injected clock. Closed: every call
// goes through. After `failureThreshold` consecutive failures it opens: calls
// skip Redis (and its timeout) for `cooldownMs`, then exactly one probe goes
// through; the probe's success closes the breaker, its failure restarts the
// cooldown. While open, late results of calls admitted before it opened are
// ignored, so a slow Redis answering some calls cannot make it flap.
// success() and failure() return the transition they caused, so the caller
// logs each state change once. expediteProbe() makes the probe due now, for
// when the caller learns Redis is reachable again (the client reconnected).
import type { Clock } from '../../core/clock.js';

export type BreakerTransition = 'opened' | 'closed' | undefined;

/** What allow() granted: a normal call, the one probe, or nothing (skip Redis). */
export type BreakerTicket = 'call' | 'probe' | undefined;

export interface CircuitBreaker {
  allow(): BreakerTicket;
  success(ticket: 'call' | 'probe'): BreakerTransition;
  failure(ticket: 'call' | 'probe'): BreakerTransition;
  expediteProbe(): void;
  readonly isOpen: boolean;
}

export interface CircuitBreakerOptions {
  clock: Clock;
  cooldownMs: number;
  failureThreshold?: number;
}

export function createCircuitBreaker(options: CircuitBreakerOptions): CircuitBreaker {
  const { clock, cooldownMs } = options;
  const threshold = options.failureThreshold ?? 3;
  let consecutiveFailures = 0;
  let openedAtMs: number | undefined;
  let probing = false;

  return {
    allow() {
      if (openedAtMs === undefined) return 'call';
      if (probing || clock.now() - openedAtMs < cooldownMs) return undefined;
      probing = true;
      return 'probe';
    },
    success(ticket) {
      if (openedAtMs === undefined) {
        consecutiveFailures = 0;
        return undefined;
      }
      if (ticket !== 'probe') return undefined;
      probing = false;
      consecutiveFailures = 0;
      openedAtMs = undefined;
      return 'closed';
    },
    failure(ticket) {
      if (openedAtMs !== undefined) {
        if (ticket === 'probe') {
          probing = false;
          openedAtMs = clock.now();
        }
        return undefined;
      }
      consecutiveFailures++;
      if (consecutiveFailures < threshold) return undefined;
      openedAtMs = clock.now();
      return 'opened';
    },
    expediteProbe() {
      if (openedAtMs !== undefined) openedAtMs = clock.now() - cooldownMs;
    },
    get isOpen() {
      return openedAtMs !== undefined;
    },
  };
}
