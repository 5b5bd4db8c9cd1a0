// Failed authentications per client address: after the budget is spent the
// address is blocked (checking does not spend), it unblocks as the clock
// refills, addresses are grouped so they cannot be rotated for free, and
// memory stays bounded.
import t from 'tap';
import { SETTINGS_DEFAULTS } from '../../../config/settings-sections.js';
import { createManualClock } from '../../../core/clock.js';
import { clientAddressKey } from '../../../core/client-address.js';
import { createAuthFailureGuard } from '../../../gateway/limiter/auth-failure-guard.js';

const T0 = Date.UTC(2026, 0, 1);

t.test('30 failures per minute at the settings default, then blocked with the time until the next one', async (t) => {
  const clock = createManualClock(T0);
  const guard = createAuthFailureGuard({ clock, spec: SETTINGS_DEFAULTS.rateLimit.authFailures });
  let blockedEarly = 0;
  for (let i = 0; i < 30; i++) {
    if (guard.isBlocked('203.0.113.7')) blockedEarly++;
    guard.recordFailure('203.0.113.7');
  }
  t.equal(blockedEarly, 0, 'not blocked during the first 30 failures');
  const blocked = guard.isBlocked('203.0.113.7');
  t.same(blocked, { allowed: false, limit: 30, remaining: 0, resetAtSec: T0 / 1000 + 60, retryAfterSec: 2, backend: 'memory' });
  t.same(guard.isBlocked('203.0.113.7'), blocked, 'checking spends nothing');
  t.equal(guard.isBlocked('203.0.113.8'), undefined, 'other addresses are unaffected');
  clock.advance(2_000);
  t.equal(guard.isBlocked('203.0.113.7'), undefined, 'one failure allowed again after 2 s');
  guard.recordFailure('203.0.113.7');
  t.ok(guard.isBlocked('203.0.113.7'));
});

t.test('the spec is configurable', async (t) => {
  const guard = createAuthFailureGuard({ clock: createManualClock(T0), spec: { requests: 2, perMs: 1_000 } });
  guard.recordFailure('198.51.100.1');
  t.equal(guard.isBlocked('198.51.100.1'), undefined);
  guard.recordFailure('198.51.100.1');
  t.equal(guard.isBlocked('198.51.100.1')?.retryAfterSec, 1);
});

t.test('IPv4-mapped addresses count as IPv4, IPv6 per /64', async (t) => {
  const guard = createAuthFailureGuard({ clock: createManualClock(T0), spec: { requests: 1, perMs: 60_000 } });
  guard.recordFailure('::ffff:192.0.2.1');
  t.ok(guard.isBlocked('192.0.2.1'));
  guard.recordFailure('2001:db8:1:2::1');
  t.ok(guard.isBlocked('2001:db8:1:2:ffff:ffff:ffff:ffff'), 'same /64');
  t.equal(guard.isBlocked('2001:db8:1:3::1'), undefined, 'another /64');
});

t.test('clientAddressKey', async (t) => {
  const rows: [string, string][] = [
    ['192.0.2.1', '192.0.2.1'],
    ['::ffff:192.0.2.1', '192.0.2.1'],
    ['2001:db8:1:2::1', '2001:db8:1:2::/64'],
    ['2001:0db8:0001:0002:0000:0000:0000:0001', '2001:db8:1:2::/64'],
    ['::1', '0:0:0:0::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['2001:db8::', '2001:db8:0:0::/64'],
    ['unknown', 'unknown'],
  ];
  for (const [address, key] of rows) t.equal(clientAddressKey(address), key, address);
});

t.test('memory stays bounded under a flood of addresses', async (t) => {
  const clock = createManualClock(T0);
  const guard = createAuthFailureGuard({ clock, spec: { requests: 1, perMs: 60_000 }, maxEntries: 100 });
  for (let i = 0; i < 10_000; i++) guard.recordFailure(`10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`);
  const recent = `10.0.${(9_999 >> 8) & 255}.${9_999 & 255}`;
  t.ok(guard.isBlocked(recent), 'the most recent addresses are remembered');
  t.equal(guard.isBlocked('10.0.0.0'), undefined, 'the oldest were evicted');
});

t.test('recordFailure says when it spent the last failure (the trip), once per exhaustion', async (t) => {
  const clock = createManualClock(T0);
  const guard = createAuthFailureGuard({ clock, spec: { requests: 2, perMs: 60_000 } });
  t.equal(guard.recordFailure('192.0.2.9'), false);
  t.equal(guard.recordFailure('192.0.2.9'), true, 'the second of two trips the guard');
  t.equal(guard.recordFailure('192.0.2.9'), false, 'a failure past the budget spends nothing and trips nothing');
  clock.advance(30_000);
  t.equal(guard.recordFailure('192.0.2.9'), true, 'refilled one, spent it: tripped again');
});
