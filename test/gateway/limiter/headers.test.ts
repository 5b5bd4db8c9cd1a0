// Rate-limit headers, table-driven: the de facto X-RateLimit-* set always,
// Retry-After only on refusal, and the draft-10 RateLimit / RateLimit-Policy
// structured fields behind the `ietf` option.
import t from 'tap';
import { setRateLimitHeaders, type RateLimitHeaderOptions } from '../../../gateway/limiter/headers.js';
import type { LimitDecision } from '../../../gateway/limiter/types.js';

const S0 = Date.UTC(2026, 0, 1) / 1000;
const allowed: LimitDecision = { allowed: true, limit: 1000, remaining: 998, resetAtSec: S0 + 1, retryAfterSec: 0, backend: 'redis' };
const refused: LimitDecision = { allowed: false, limit: 1000, remaining: 0, resetAtSec: S0 + 60, retryAfterSec: 1, backend: 'redis' };
const PER_MINUTE = { requests: 1000, perMs: 60_000 };

type Row = [label: string, decision: LimitDecision, options: RateLimitHeaderOptions, expected: Record<string, string>];

const ROWS: Row[] = [
  [
    'allowed',
    allowed,
    { ietf: false },
    { 'x-ratelimit-limit': '1000', 'x-ratelimit-remaining': '998', 'x-ratelimit-reset': String(S0 + 1) },
  ],
  [
    'refused adds Retry-After',
    refused,
    { ietf: false },
    { 'x-ratelimit-limit': '1000', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(S0 + 60), 'retry-after': '1' },
  ],
  [
    'refused with a zero retryAfterSec still says at least 1',
    { ...refused, retryAfterSec: 0 },
    { ietf: false },
    { 'x-ratelimit-limit': '1000', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(S0 + 60), 'retry-after': '1' },
  ],
  [
    'ietf without spec or clock: q and r only',
    allowed,
    { ietf: true },
    {
      'x-ratelimit-limit': '1000',
      'x-ratelimit-remaining': '998',
      'x-ratelimit-reset': String(S0 + 1),
      'ratelimit-policy': '"default";q=1000',
      ratelimit: '"default";r=998',
    },
  ],
  [
    'ietf with spec and clock: w and t',
    refused,
    { ietf: true, policyName: 'per-key', spec: PER_MINUTE, nowMs: S0 * 1000 + 30_000 },
    {
      'x-ratelimit-limit': '1000',
      'x-ratelimit-remaining': '0',
      'x-ratelimit-reset': String(S0 + 60),
      'retry-after': '1',
      'ratelimit-policy': '"per-key";q=1000;w=60',
      ratelimit: '"per-key";r=0;t=30',
    },
  ],
  [
    'ietf: t rounds up, w left out for a sub-second window',
    allowed,
    { ietf: true, spec: { requests: 1000, perMs: 1_500 }, nowMs: S0 * 1000 + 200 },
    {
      'x-ratelimit-limit': '1000',
      'x-ratelimit-remaining': '998',
      'x-ratelimit-reset': String(S0 + 1),
      'ratelimit-policy': '"default";q=1000',
      ratelimit: '"default";r=998;t=1',
    },
  ],
  [
    'ietf: t never negative',
    allowed,
    { ietf: true, nowMs: (S0 + 5) * 1000 },
    {
      'x-ratelimit-limit': '1000',
      'x-ratelimit-remaining': '998',
      'x-ratelimit-reset': String(S0 + 1),
      'ratelimit-policy': '"default";q=1000',
      ratelimit: '"default";r=998;t=0',
    },
  ],
  [
    'ietf: the policy name is an escaped sf-string',
    allowed,
    { ietf: true, policyName: 'a "quoted" \\ name' },
    {
      'x-ratelimit-limit': '1000',
      'x-ratelimit-remaining': '998',
      'x-ratelimit-reset': String(S0 + 1),
      'ratelimit-policy': '"a \\"quoted\\" \\\\ name";q=1000',
      ratelimit: '"a \\"quoted\\" \\\\ name";r=998',
    },
  ],
];

/** The headers set on an empty object. */
function rateLimitHeaders(decision: LimitDecision, options: RateLimitHeaderOptions): Record<string, string> {
  const headers: Record<string, string> = {};
  setRateLimitHeaders(headers, decision, options);
  return headers;
}

t.test('setRateLimitHeaders', async (t) => {
  for (const [label, decision, options, expected] of ROWS) t.same(rateLimitHeaders(decision, options), expected, label);
});

t.test('headers already on the object are kept', async (t) => {
  const headers: Record<string, string> = { 'x-request-id': 'req-1' };
  setRateLimitHeaders(headers, allowed, { ietf: false });
  t.same(headers, {
    'x-request-id': 'req-1',
    'x-ratelimit-limit': '1000',
    'x-ratelimit-remaining': '998',
    'x-ratelimit-reset': String(S0 + 1),
  });
});

t.test('a policy name that cannot be an sf-string is refused', async (t) => {
  t.throws(() => rateLimitHeaders(allowed, { ietf: true, policyName: 'caf\u00e9' }), RangeError);
  t.throws(() => rateLimitHeaders(allowed, { ietf: true, policyName: 'line\nbreak' }), RangeError);
});
