// Rate-limit response headers, pure. Always the documented de facto set:
//   X-RateLimit-Limit      the bucket's capacity
//   X-RateLimit-Remaining  whole tokens left after this request
//   X-RateLimit-Reset      Unix seconds (rounded up) when the bucket is full again
//   Retry-After            on refusal only: whole seconds until enough tokens, >= 1
// With `ietf: true`, also the fields of draft-ietf-httpapi-ratelimit-headers-10
// (Structured Field lists):
//   RateLimit-Policy: "<policy>";q=<limit>[;w=<window seconds>]
//   RateLimit:        "<policy>";r=<remaining>[;t=<seconds until full again>]
// `w` needs `spec` and is sent only for whole-second windows (the draft has
// no sub-second windows); `t` needs `nowMs` and is the delta form of
// X-RateLimit-Reset, because with continuous refill "more quota" arrives at
// once and the useful moment is when the bucket is full. Both are optional
// in the draft and left out when their input is missing.
import type { LimitDecision, RateLimitSpec } from './types.js';

export interface RateLimitHeaderOptions {
  ietf: boolean;
  /** The policy identifier in the IETF fields (default "default"): printable ASCII. */
  policyName?: string;
  spec?: RateLimitSpec;
  nowMs?: number;
}

/**
 * Sets the rate-limit headers for `decision` on `headers` (the response's
 * header object, written in place: no intermediate object per request).
 */
export function setRateLimitHeaders(headers: Record<string, string>, decision: LimitDecision, options: RateLimitHeaderOptions): void {
  headers['x-ratelimit-limit'] = String(decision.limit);
  headers['x-ratelimit-remaining'] = String(decision.remaining);
  headers['x-ratelimit-reset'] = String(decision.resetAtSec);
  if (!decision.allowed) headers['retry-after'] = String(Math.max(1, decision.retryAfterSec));
  if (!options.ietf) return;

  const policy = sfString(options.policyName ?? 'default');
  let policyItem = `${policy};q=${decision.limit}`;
  if (options.spec && options.spec.perMs >= 1000 && options.spec.perMs % 1000 === 0) policyItem += `;w=${options.spec.perMs / 1000}`;
  let limitItem = `${policy};r=${decision.remaining}`;
  if (options.nowMs !== undefined) limitItem += `;t=${Math.max(0, Math.ceil((decision.resetAtSec * 1000 - options.nowMs) / 1000))}`;
  headers['ratelimit-policy'] = policyItem;
  headers['ratelimit'] = limitItem;
}

/** A Structured Field String (RFC 9651 §3.3.3): printable ASCII, with `"` and `\` escaped. */
function sfString(value: string): string {
  if (!/^[\x20-\x7e]*$/.test(value)) throw new RangeError(`rate-limit policy name must be printable ASCII, got ${JSON.stringify(value)}`);
  return `"${value.replace(/[\\"]/g, '\\$&')}"`;
}
