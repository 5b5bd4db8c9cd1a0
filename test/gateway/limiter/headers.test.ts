// Rate-limit headers, table-driven: the de facto X-RateLimit-* set always,
// Retry-After only on refusal, and the draft-10 RateLimit / RateLimit-Policy
// structured fields behind the `ietf` option: every check of the plan in the
// policy, the header check in RateLimit.
import t from 'tap';
import { setRateLimitHeaders, type RateLimitHeaderOptions } from '../../../gateway/limiter/headers.js';
import { buildPlan, singleWindowPlan } from '../../../gateway/limiter/limit-plan.js';
import type { BucketDecision, LimitDecision, LimitPlan, RateLimitSpec } from '../../../gateway/limiter/types.js';

const S0 = Date.UTC(2026, 0, 1) / 1000;

/** A decision of a one-check plan: its figures are its only check's. */
const oneCheck = (check: BucketDecision): LimitDecision => ({
  ...check,
  checks: [check],
  headerCheck: 0,
  refusedBy: check.allowed ? null : 'rate',
});

const allowed = oneCheck({ allowed: true, limit: 1000, remaining: 998, resetAtSec: S0 + 1, retryAfterSec: 0, backend: 'redis' });
const refused = oneCheck({ allowed: false, limit: 1000, remaining: 0, resetAtSec: S0 + 60, retryAfterSec: 1, backend: 'redis' });
const PER_MINUTE = { requests: 1000, perMs: 60_000 };

/** A one-window plan whose check has the IETF name `name`. */
function namedPlan(name: string, spec: RateLimitSpec = PER_MINUTE): LimitPlan {
  const plan = singleWindowPlan('key_1', spec);
  return { ...plan, checks: [{ ...(plan.checks[0] as LimitPlan['checks'][number]), name }] };
}

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
    'ietf without a plan or clock: q and r only',
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
    'ietf with plan and clock: w and t',
    refused,
    { ietf: true, plan: namedPlan('per-key'), nowMs: S0 * 1000 + 30_000 },
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
    { ietf: true, plan: singleWindowPlan('key_1', { requests: 1000, perMs: 1_500 }), nowMs: S0 * 1000 + 200 },
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
    { ietf: true, plan: namedPlan('a "quoted" \\ name', { requests: 1000, perMs: 1_500 }) },
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
  t.throws(() => rateLimitHeaders(allowed, { ietf: true, plan: namedPlan('caf\u00e9') }), RangeError);
  t.throws(() => rateLimitHeaders(allowed, { ietf: true, plan: namedPlan('line\nbreak') }), RangeError);
});

t.test('the one-window policy plan sends the single-window fields as they always were', async (t) => {
  const plan = buildPlan({ keyId: 'key_1', keyWindows: null, policyWindows: [PER_MINUTE], quota: null });
  const headers = rateLimitHeaders(refused, { ietf: true, plan, nowMs: S0 * 1000 + 30_000 });
  t.equal(headers['ratelimit-policy'], '"default";q=1000;w=60');
  t.equal(headers.ratelimit, '"default";r=0;t=30');
});

t.test('a plan of several checks: the policy lists every one, RateLimit names the header check', async (t) => {
  const plan = buildPlan({
    keyId: 'key_1',
    keyWindows: [
      { requests: 10, perMs: 1_000 },
      { requests: 1000, perMs: 3_600_000 },
    ],
    policyWindows: [PER_MINUTE],
    route: { label: 'POST /v1/search', windows: [{ requests: 100, perMs: 60_000 }] },
    quota: { limit: 5000, period: 'day' },
  });
  const checks: BucketDecision[] = [
    { allowed: true, limit: 10, remaining: 9, resetAtSec: S0 + 1, retryAfterSec: 0, backend: 'memory' },
    { allowed: true, limit: 1000, remaining: 999, resetAtSec: S0 + 4, retryAfterSec: 0, backend: 'memory' },
    { allowed: false, limit: 100, remaining: 0, resetAtSec: S0 + 60, retryAfterSec: 1, backend: 'memory' },
    { allowed: false, limit: 5000, remaining: 0, resetAtSec: S0 + 86_400, retryAfterSec: 86_400, backend: 'memory' },
  ];
  const decision: LimitDecision = { ...(checks[3] as BucketDecision), checks, headerCheck: 3, refusedBy: 'quota' };
  t.same(rateLimitHeaders(decision, { ietf: true, plan, nowMs: S0 * 1000 }), {
    'x-ratelimit-limit': '5000',
    'x-ratelimit-remaining': '0',
    'x-ratelimit-reset': String(S0 + 86_400),
    'retry-after': '86400',
    'ratelimit-policy': '"key-1s";q=10;w=1, "key-1h";q=1000;w=3600, "route-1m";q=100;w=60, "quota-day";q=5000;w=86400',
    ratelimit: '"quota-day";r=0;t=86400',
  });
  const window: LimitDecision = { ...(checks[0] as BucketDecision), allowed: true, checks, headerCheck: 0, refusedBy: null };
  const headers = rateLimitHeaders(window, { ietf: true, plan, nowMs: S0 * 1000 });
  t.equal(headers.ratelimit, '"key-1s";r=9;t=1', 'the header check of this decision');
  t.equal(headers['retry-after'], undefined, 'no Retry-After when admitted');
  t.equal(
    headers['ratelimit-policy'],
    '"key-1s";q=10;w=1, "key-1h";q=1000;w=3600, "route-1m";q=100;w=60, "quota-day";q=5000;w=86400',
    'the same policy on every response',
  );
});

t.test("Retry-After is the decision's own, not the header check's", async (t) => {
  const plan = buildPlan({
    keyId: 'key_1',
    keyWindows: null,
    policyWindows: [
      { requests: 5, perMs: 10_000 },
      { requests: 100, perMs: 3_600_000 },
    ],
    quota: null,
  });
  const checks: BucketDecision[] = [
    // Cost 3: the first window lacks 2 tokens (4 s), the second 1 token (36 s); the first has fewer left.
    { allowed: false, limit: 5, remaining: 1, resetAtSec: S0 + 8, retryAfterSec: 4, backend: 'memory' },
    { allowed: false, limit: 100, remaining: 2, resetAtSec: S0 + 3_528, retryAfterSec: 36, backend: 'memory' },
  ];
  const decision: LimitDecision = { ...(checks[0] as BucketDecision), retryAfterSec: 36, checks, headerCheck: 0, refusedBy: 'rate' };
  const headers = rateLimitHeaders(decision, { ietf: true, plan });
  t.equal(headers['retry-after'], '36', 'the longest of the refusing checks');
  t.equal(headers['x-ratelimit-remaining'], '1');
  t.equal(headers['ratelimit-policy'], '"default-10s";q=5;w=10, "default-1h";q=100;w=3600');
  t.equal(headers.ratelimit, '"default-10s";r=1');
});

t.test('a month quota has no w (its length varies); a day quota is 86400 s', async (t) => {
  const plan = (period: 'day' | 'month') =>
    buildPlan({ keyId: 'key_1', keyWindows: null, policyWindows: [PER_MINUTE], quota: { limit: 100_000, period } });
  t.equal(
    rateLimitHeaders(allowed, { ietf: true, plan: plan('month') })['ratelimit-policy'],
    '"default";q=1000;w=60, "quota-month";q=100000',
  );
  t.equal(
    rateLimitHeaders(allowed, { ietf: true, plan: plan('day') })['ratelimit-policy'],
    '"default";q=1000;w=60, "quota-day";q=100000;w=86400',
  );
});
