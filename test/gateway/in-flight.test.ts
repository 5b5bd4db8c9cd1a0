// The per-key in-flight count: bounded per key, independent across keys, and
// a released slot can be taken again; a key with nothing in flight is forgotten.
import t from 'tap';
import { createInFlight } from '../../gateway/pipeline/in-flight.js';

t.test('a key holds at most `limit` slots; other keys are unaffected; releases free them', async (t) => {
  const inFlight = createInFlight();
  t.ok(inFlight.acquire('a', 2));
  t.ok(inFlight.acquire('a', 2));
  t.notOk(inFlight.acquire('a', 2), 'the third is refused');
  t.equal(inFlight.count('a'), 2, 'a refused acquire holds nothing');
  t.ok(inFlight.acquire('b', 2), 'another key has its own slots');
  inFlight.release('a');
  t.ok(inFlight.acquire('a', 2), 'a released slot can be taken again');
  inFlight.release('a');
  inFlight.release('a');
  t.equal(inFlight.count('a'), 0);
  inFlight.release('a');
  t.equal(inFlight.count('a'), 0, 'an extra release never goes below zero');
});
