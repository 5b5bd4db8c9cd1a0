// The token-bucket maths, table-driven with exact values: refill over time,
// costs above one, costs above capacity, Retry-After rounded up to at least
// 1, reset rounded up to the second, and a clock that steps backwards; and
// a take split into its level (tokensAt) and settlement (settleTake).
import t from 'tap';
import { settleTake, takeTokens, tokensAt, type BucketState } from '../../../gateway/limiter/token-bucket.js';
import type { BucketDecision, RateLimitSpec } from '../../../gateway/limiter/types.js';

const T0 = Date.UTC(2026, 0, 1); // a whole second
const S0 = T0 / 1000;
const TEN_PER_MINUTE: RateLimitSpec = { requests: 10, perMs: 60_000 }; // one token per 6 s

type Row = [
  label: string,
  state: BucketState | undefined,
  atMs: number,
  cost: number,
  spec: RateLimitSpec,
  expected: BucketDecision,
  tokensAfter: number,
];

const decision = (allowed: boolean, limit: number, remaining: number, resetAtSec: number, retryAfterSec: number): BucketDecision => ({
  allowed,
  limit,
  remaining,
  resetAtSec,
  retryAfterSec,
  backend: 'memory',
});

const ROWS: Row[] = [
  ['unknown bucket is full: cost 1 allowed', undefined, T0, 1, TEN_PER_MINUTE, decision(true, 10, 9, S0 + 6, 0), 9],
  ['cost 0 only reports', undefined, T0, 0, TEN_PER_MINUTE, decision(true, 10, 10, S0, 0), 10],
  ['cost equal to capacity empties a full bucket', undefined, T0, 10, TEN_PER_MINUTE, decision(true, 10, 0, S0 + 60, 0), 0],
  ['cost 3 from 5 tokens', { tokens: 5, updatedAtMs: T0 }, T0, 3, TEN_PER_MINUTE, decision(true, 10, 2, S0 + 48, 0), 2],
  [
    'empty bucket refuses: Retry-After one token',
    { tokens: 0, updatedAtMs: T0 },
    T0,
    1,
    TEN_PER_MINUTE,
    decision(false, 10, 0, S0 + 60, 6),
    0,
  ],
  [
    'half a token refilled after 3 s',
    { tokens: 0, updatedAtMs: T0 },
    T0 + 3_000,
    1,
    TEN_PER_MINUTE,
    decision(false, 10, 0, S0 + 60, 3),
    0.5,
  ],
  [
    'Retry-After rounds 2.999 s up to 3',
    { tokens: 0, updatedAtMs: T0 },
    T0 + 3_001,
    1,
    TEN_PER_MINUTE,
    decision(false, 10, 0, S0 + 60, 3),
    3_001 / 6_000,
  ],
  [
    'Retry-After is at least 1 (1 ms short of a token)',
    { tokens: 0, updatedAtMs: T0 },
    T0 + 5_999,
    1,
    TEN_PER_MINUTE,
    decision(false, 10, 0, S0 + 60, 1),
    5_999 / 6_000,
  ],
  [
    'exactly one token refilled after 6 s',
    { tokens: 0, updatedAtMs: T0 },
    T0 + 6_000,
    1,
    TEN_PER_MINUTE,
    decision(true, 10, 0, S0 + 66, 0),
    0,
  ],
  [
    'refill is capped at capacity',
    { tokens: 5, updatedAtMs: T0 },
    T0 + 3_600_000,
    1,
    TEN_PER_MINUTE,
    decision(true, 10, 9, S0 + 3_606, 0),
    9,
  ],
  [
    'cost 2 with 1.5 tokens: refused, consumes nothing',
    { tokens: 1.5, updatedAtMs: T0 },
    T0,
    2,
    TEN_PER_MINUTE,
    decision(false, 10, 1, S0 + 51, 3),
    1.5,
  ],
  ['cost above capacity, full bucket: Retry-After = deficit refill', undefined, T0, 11, TEN_PER_MINUTE, decision(false, 10, 10, S0, 6), 10],
  ['cost above capacity, empty bucket', { tokens: 0, updatedAtMs: T0 }, T0, 15, TEN_PER_MINUTE, decision(false, 10, 0, S0 + 60, 90), 0],
  ['reset rounds a fraction of a second up', undefined, T0 + 100, 1, { requests: 3, perMs: 1_000 }, decision(true, 3, 2, S0 + 1, 0), 2],
  ['reset on a whole second stays on it', undefined, T0, 1, { requests: 1, perMs: 1_000 }, decision(true, 1, 0, S0 + 1, 0), 0],
  ['clock stepped back: no refill', { tokens: 5, updatedAtMs: T0 + 1_000 }, T0, 1, TEN_PER_MINUTE, decision(true, 10, 4, S0 + 36, 0), 4],
];

t.test('takeTokens', async (t) => {
  for (const [label, state, atMs, cost, spec, expected, tokensAfter] of ROWS) {
    const result = takeTokens(state, atMs, cost, spec, 'memory');
    t.same(result.decision, expected, `${label}: decision`);
    t.ok(Math.abs(result.state.tokens - tokensAfter) < 1e-12, `${label}: ${result.state.tokens} tokens left, expected ${tokensAfter}`);
  }
});

t.test('settleTake: takeTokens is tokensAt then a settlement that may charge', async (t) => {
  for (const [label, state, atMs, cost, spec] of ROWS) {
    const available = tokensAt(state, atMs, spec);
    t.strictSame(settleTake(state, available, atMs, cost, true, spec, 'memory'), takeTokens(state, atMs, cost, spec, 'memory'), label);
  }
});

t.test('settleTake without charge: the verdict of this bucket, nothing taken', async (t) => {
  const state: BucketState = { tokens: 2, updatedAtMs: T0 - 6_000 }; // 3 at T0
  const holding = settleTake(state, tokensAt(state, T0, TEN_PER_MINUTE), T0, 2, false, TEN_PER_MINUTE, 'memory');
  t.strictSame(holding.state, { tokens: 3, updatedAtMs: T0 }, 'refilled to now, uncharged');
  t.same([holding.decision.allowed, holding.decision.remaining, holding.decision.retryAfterSec], [true, 3, 0], 'it holds the cost');
  t.equal(holding.fullAtMs, T0 + 42_000);
  const short = settleTake(state, tokensAt(state, T0, TEN_PER_MINUTE), T0, 5, true, TEN_PER_MINUTE, 'memory');
  t.same(
    [short.decision.allowed, short.state.tokens, short.decision.retryAfterSec],
    [false, 3, 12],
    'charge asked, but short: nothing taken',
  );
});

t.test('a clock stepped back never rewinds the state', async (t) => {
  const { state } = takeTokens({ tokens: 5, updatedAtMs: T0 + 1_000 }, T0, 1, TEN_PER_MINUTE, 'memory');
  t.equal(state.updatedAtMs, T0 + 1_000);
});

t.test('fullAtMs is when the bucket equals an unknown one', async (t) => {
  t.equal(takeTokens(undefined, T0, 4, TEN_PER_MINUTE, 'memory').fullAtMs, T0 + 24_000);
  t.equal(takeTokens(undefined, T0, 0, TEN_PER_MINUTE, 'memory').fullAtMs, T0);
});

t.test('many small refills add up to whole tokens despite float noise', async (t) => {
  const spec: RateLimitSpec = { requests: 10, perMs: 1_000 }; // 0.1 token per 10 ms
  let state: BucketState = { tokens: 0, updatedAtMs: T0 };
  for (let step = 1; step <= 10; step++) state = takeTokens(state, T0 + step * 10, 0, spec, 'memory').state;
  t.not(state.tokens, 1, 'the float sum is not exactly 1');
  const result = takeTokens(state, T0 + 100, 1, spec, 'memory');
  t.equal(result.decision.allowed, true);
  t.equal(result.decision.remaining, 0);
});

t.test('N of 3N sequential takes are allowed, then refill lets exactly one more through', async (t) => {
  const spec: RateLimitSpec = { requests: 5, perMs: 5_000 };
  let state: BucketState | undefined;
  let allowed = 0;
  for (let i = 0; i < 15; i++) {
    const result = takeTokens(state, T0, 1, spec, 'memory');
    state = result.state;
    if (result.decision.allowed) allowed++;
  }
  t.equal(allowed, 5);
  t.equal(takeTokens(state, T0 + 1_000, 1, spec, 'memory').decision.allowed, true);
  t.equal(takeTokens(takeTokens(state, T0 + 1_000, 1, spec, 'memory').state, T0 + 1_000, 1, spec, 'memory').decision.allowed, false);
});

t.test('the decision carries the backend it was answered as', async (t) => {
  for (const backend of ['memory', 'redis', 'fallback'] as const) {
    t.equal(takeTokens(undefined, T0, 1, TEN_PER_MINUTE, backend).decision.backend, backend, `allowed, ${backend}`);
    t.equal(takeTokens(undefined, T0, 11, TEN_PER_MINUTE, backend).decision.backend, backend, `refused, ${backend}`);
  }
});

t.test('invalid arguments are programming errors', async (t) => {
  t.throws(() => takeTokens(undefined, T0, -1, TEN_PER_MINUTE, 'memory'), RangeError);
  t.throws(() => takeTokens(undefined, T0, Number.NaN, TEN_PER_MINUTE, 'memory'), RangeError);
  t.throws(() => takeTokens(undefined, T0, 1, { requests: 0, perMs: 1_000 }, 'memory'), RangeError);
  t.throws(() => takeTokens(undefined, T0, 1, { requests: 1.5, perMs: 1_000 }, 'memory'), RangeError);
  t.throws(() => takeTokens(undefined, T0, 1, { requests: 1, perMs: 0 }, 'memory'), RangeError);
});
