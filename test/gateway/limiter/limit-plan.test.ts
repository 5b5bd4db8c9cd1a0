// Which checks a request is decided against and where their state lives:
// bucket ids by window length (so a key's own window of a policy length keeps
// its bucket), route buckets per key and route, the quota last, IETF names,
// every id starting with the key id (the Redis hash tag), frozen plans.
import t from 'tap';
import { buildPlan, singleWindowPlan } from '../../../gateway/limiter/limit-plan.js';
import type { LimitPlan } from '../../../gateway/limiter/types.js';

const PER_MINUTE = { requests: 1000, perMs: 60_000 };
const PER_SECOND = { requests: 20, perMs: 1_000 };
const PER_DAY = { requests: 100_000, perMs: 86_400_000 };

const shape = (plan: LimitPlan) => plan.checks.map((check) => [check.kind, check.id, check.name]);

t.test('the one-window policy: one check named default at <key>:w<perMs>', async (t) => {
  const plan = buildPlan({ keyId: 'key_1', keyWindows: null, policyWindows: [PER_MINUTE], quota: null });
  t.same([plan.id, plan.tag], ['key_1', 'key_1']);
  t.same(shape(plan), [['window', 'key_1:w60000', 'default']]);
  t.same(plan.checks[0], { kind: 'window', suffix: ':w60000', id: 'key_1:w60000', name: 'default', spec: PER_MINUTE });
});

t.test('several policy windows, a route and a quota, in that order', async (t) => {
  const plan = buildPlan({
    keyId: 'key_1',
    keyWindows: null,
    policyWindows: [PER_SECOND, PER_DAY],
    route: { label: 'POST /v1/search', windows: [{ requests: 5, perMs: 60_000 }] },
    quota: { limit: 1_000_000, period: 'month' },
  });
  t.equal(plan.id, 'key_1|POST /v1/search', 'the route is part of the plan id');
  t.same(shape(plan), [
    ['window', 'key_1:w1000', 'default-1s'],
    ['window', 'key_1:w86400000', 'default-1d'],
    ['window', 'key_1:r:POST /v1/search:w60000', 'route-1m'],
    ['quota', 'key_1:q:month', 'quota-month'],
  ]);
  t.same(plan.checks[3], {
    kind: 'quota',
    suffix: ':q:month',
    id: 'key_1:q:month',
    name: 'quota-month',
    quota: { limit: 1_000_000, period: 'month' },
  });
  t.ok(
    plan.checks.every((check) => check.id === plan.tag + check.suffix && check.id.startsWith('key_1')),
    'every id is the tag plus its suffix',
  );
});

t.test("a key's own windows replace the policy's and share a bucket of the same length", async (t) => {
  const policy = buildPlan({ keyId: 'key_1', keyWindows: null, policyWindows: [PER_MINUTE], quota: null });
  const own = buildPlan({
    keyId: 'key_1',
    keyWindows: [PER_SECOND, { requests: 5000, perMs: 60_000 }],
    policyWindows: [PER_MINUTE],
    quota: null,
  });
  t.same(shape(own), [
    ['window', 'key_1:w1000', 'key-1s'],
    ['window', 'key_1:w60000', 'key-1m'],
  ]);
  t.equal(own.checks[1]?.id, policy.checks[0]?.id, 'the minute bucket is the same one');
  t.same(shape(buildPlan({ keyId: 'key_1', keyWindows: [PER_MINUTE], policyWindows: [PER_SECOND], quota: null })), [
    ['window', 'key_1:w60000', 'key-1m'],
  ]);
});

t.test('route buckets are per key and route', async (t) => {
  const route = { label: 'GET /v1/items', windows: [PER_SECOND] };
  const a = buildPlan({ keyId: 'key_a', keyWindows: null, policyWindows: [PER_MINUTE], route, quota: null });
  const b = buildPlan({ keyId: 'key_b', keyWindows: null, policyWindows: [PER_MINUTE], route, quota: null });
  const other = buildPlan({
    keyId: 'key_a',
    keyWindows: null,
    policyWindows: [PER_MINUTE],
    route: { label: 'GET /v1/other', windows: [PER_SECOND] },
    quota: null,
  });
  t.same(
    [a.checks[1]?.id, b.checks[1]?.id, other.checks[1]?.id],
    ['key_a:r:GET /v1/items:w1000', 'key_b:r:GET /v1/items:w1000', 'key_a:r:GET /v1/other:w1000'],
  );
});

t.test('a sub-second or odd window length is named in milliseconds', async (t) => {
  const plan = buildPlan({ keyId: 'k', keyWindows: [{ requests: 3, perMs: 1_500 }], policyWindows: [PER_MINUTE], quota: null });
  t.same(shape(plan), [['window', 'k:w1500', 'key-1500ms']]);
});

t.test('singleWindowPlan: the bucket at the id itself', async (t) => {
  const plan = singleWindowPlan('203.0.113.7', PER_MINUTE);
  t.same(plan, {
    id: '203.0.113.7',
    tag: '203.0.113.7',
    checks: [{ kind: 'window', suffix: '', id: '203.0.113.7', name: 'default', spec: PER_MINUTE }],
  });
});

t.test('plans are frozen: reused across requests, never changed by one', async (t) => {
  const plan = buildPlan({ keyId: 'k', keyWindows: null, policyWindows: [PER_MINUTE], quota: { limit: 5, period: 'day' } });
  t.ok(Object.isFrozen(plan) && Object.isFrozen(plan.checks) && plan.checks.every((check) => Object.isFrozen(check)));
  t.ok(Object.isFrozen(singleWindowPlan('k', PER_MINUTE).checks[0]));
});
