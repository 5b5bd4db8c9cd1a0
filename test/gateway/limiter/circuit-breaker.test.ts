// The circuit breaker on a manual clock: opens after consecutive failures,
// skips Redis during the cooldown, lets exactly one probe through, closes on
// its success, re-arms on its failure, and ignores late results of calls
// admitted before it opened.
import t from 'tap';
import { createManualClock } from '../../../core/clock.js';
import { createCircuitBreaker } from '../../../gateway/limiter/circuit-breaker.js';

t.test('opens after the threshold of consecutive failures', async (t) => {
  const breaker = createCircuitBreaker({ clock: createManualClock(), cooldownMs: 1_000, failureThreshold: 3 });
  t.equal(breaker.allow(), 'call');
  t.equal(breaker.failure('call'), undefined);
  t.equal(breaker.failure('call'), undefined);
  t.equal(breaker.success('call'), undefined, 'a success resets the count');
  t.equal(breaker.failure('call'), undefined);
  t.equal(breaker.failure('call'), undefined);
  t.equal(breaker.failure('call'), 'opened');
  t.equal(breaker.isOpen, true);
  t.equal(breaker.allow(), undefined, 'skip Redis');
});

t.test('one probe after the cooldown; its success closes', async (t) => {
  const clock = createManualClock();
  const breaker = createCircuitBreaker({ clock, cooldownMs: 1_000, failureThreshold: 1 });
  breaker.failure('call');
  clock.advance(999);
  t.equal(breaker.allow(), undefined, 'still cooling down');
  clock.advance(1);
  t.equal(breaker.allow(), 'probe');
  t.equal(breaker.allow(), undefined, 'only one probe at a time');
  t.equal(breaker.success('probe'), 'closed');
  t.equal(breaker.isOpen, false);
  t.equal(breaker.allow(), 'call');
});

t.test('a failed probe restarts the cooldown', async (t) => {
  const clock = createManualClock();
  const breaker = createCircuitBreaker({ clock, cooldownMs: 1_000, failureThreshold: 1 });
  breaker.failure('call');
  clock.advance(1_000);
  t.equal(breaker.allow(), 'probe');
  t.equal(breaker.failure('probe'), undefined, 'no new transition: it stays open');
  clock.advance(999);
  t.equal(breaker.allow(), undefined);
  clock.advance(1);
  t.equal(breaker.allow(), 'probe', 'next probe after another cooldown');
});

t.test('late results of calls admitted before it opened change nothing', async (t) => {
  const clock = createManualClock();
  const breaker = createCircuitBreaker({ clock, cooldownMs: 1_000, failureThreshold: 1 });
  breaker.failure('call');
  t.equal(breaker.success('call'), undefined, 'a late success does not close it');
  t.equal(breaker.isOpen, true);
  clock.advance(1_000);
  t.equal(breaker.failure('call'), undefined);
  t.equal(breaker.allow(), 'probe', 'a late failure does not restart the cooldown');
});

t.test('expediteProbe makes the probe due at once', async (t) => {
  const breaker = createCircuitBreaker({ clock: createManualClock(), cooldownMs: 60_000, failureThreshold: 1 });
  breaker.expediteProbe();
  t.equal(breaker.isOpen, false, 'no effect while closed');
  breaker.failure('call');
  t.equal(breaker.allow(), undefined);
  breaker.expediteProbe();
  t.equal(breaker.allow(), 'probe');
});
