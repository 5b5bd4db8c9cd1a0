// The batcher on its own: what one loop turn collects, how answers and
// failures reach each call.
import t from 'tap';
import { createGroupedTurnBatcher, createTurnBatcher } from '../../../gateway/limiter/turn-batcher.js';

t.test('calls made in one turn are sent together and answered by position', async (t) => {
  const sent: number[][] = [];
  const double = createTurnBatcher<number, number>(10, async (items) => {
    sent.push([...items]);
    return items.map((n) => n * 2);
  });
  t.same(await Promise.all([double(1), double(2), double(3)]), [2, 4, 6]);
  t.same(await double(4), 8);
  t.same(sent, [[1, 2, 3], [4]], 'one batch per turn');
});

t.test('a full batch goes at once, the rest at the end of the turn', async (t) => {
  const sent: number[][] = [];
  const echo = createTurnBatcher<number, number>(2, async (items) => {
    sent.push([...items]);
    return items;
  });
  const answers = Promise.all([echo(1), echo(2), echo(3)]);
  t.same(sent, [[1, 2]], 'sent without waiting for the turn to end');
  t.same(await answers, [1, 2, 3]);
  t.same(sent, [[1, 2], [3]]);
});

t.test('a failed batch fails each of its calls, and the next batch is unaffected', async (t) => {
  let fail = true;
  const flaky = createTurnBatcher<number, number>(10, async (items) => {
    if (fail) throw new Error('down');
    return items;
  });
  const results = await Promise.allSettled([flaky(1), flaky(2)]);
  t.same(
    results.map((r) => r.status),
    ['rejected', 'rejected'],
  );
  fail = false;
  t.equal(await flaky(3), 3);
});

t.test('a send that throws, or answers the wrong number of calls, rejects every call', async (t) => {
  const throwing = createTurnBatcher<number, number>(10, () => {
    throw new Error('synchronous');
  });
  await t.rejects(throwing(1), /synchronous/);
  const short = createTurnBatcher<number, number>(10, async () => [1]);
  const results = await Promise.allSettled([short(1), short(2)]);
  t.same(
    results.map((r) => r.status),
    ['rejected', 'rejected'],
  );
  t.match((results[0] as PromiseRejectedResult).reason, /answered 1 of 2/);
});

t.test('maxBatch must be a positive integer', async (t) => {
  t.throws(() => createTurnBatcher(0, async () => []), RangeError);
  t.throws(() => createTurnBatcher(1.5, async () => []), RangeError);
});

t.test('grouped: one batch per group and turn, a full group at once, answers by position', async (t) => {
  const sent: string[][] = [];
  const tag = createGroupedTurnBatcher<string, string>(
    3,
    async (items) => {
      sent.push([...items]);
      return items.map((item) => item.toUpperCase());
    },
    (item) => item[0] as string,
  );
  const answers = Promise.all(['a1', 'b1', 'a2', 'a3', 'a4', 'b2'].map((item) => tag(item)));
  t.same(sent, [['a1', 'a2', 'a3']], 'a full group is sent without waiting for the turn to end');
  t.same(await answers, ['A1', 'B1', 'A2', 'A3', 'A4', 'B2']);
  t.same(sent, [['a1', 'a2', 'a3'], ['b1', 'b2'], ['a4']], 'the rest, per group, at the end of the turn');
  t.same(await tag('b3'), 'B3');
  t.same(sent.at(-1), ['b3'], 'a new turn, new groups');
});
