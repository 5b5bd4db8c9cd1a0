// The last-used batcher: latest time per key, one batch per flush, retried
// after a failed flush, flushed on its timer and on close.
import t from 'tap';
import { createLastUsedBatcher, type LastUsedBatch } from '../../core/last-used.js';

t.test('keeps the latest time per key and hands one batch per flush', async (t) => {
  const batches: Array<Record<string, number>> = [];
  const batcher = createLastUsedBatcher({ flush: (b) => void batches.push(Object.fromEntries(b)), intervalMs: 3_600_000 });
  batcher.touch('a', 10);
  batcher.touch('a', 30);
  batcher.touch('a', 20);
  batcher.touch('b', 5);
  t.equal(batcher.pending(), 2);
  await batcher.flush();
  t.same(batches, [{ a: 30, b: 5 }]);
  t.equal(batcher.pending(), 0);
  await batcher.flush();
  t.equal(batches.length, 1, 'nothing pending, nothing flushed');
  await batcher.close();
});

t.test('flushes on its own timer', async (t) => {
  let delivered!: (batch: LastUsedBatch) => void;
  const flushed = new Promise<LastUsedBatch>((resolve) => (delivered = resolve));
  const batcher = createLastUsedBatcher({ flush: (b) => delivered(b), intervalMs: 5 });
  // The batcher's timer is unref'd (it must never hold a process open): hold this one open meanwhile.
  const keepAlive = setInterval(() => undefined, 60_000);
  batcher.touch('a', 1);
  t.same(Object.fromEntries(await flushed), { a: 1 });
  clearInterval(keepAlive);
  await batcher.close();
});

t.test('a failed flush keeps the batch for the next one', async (t) => {
  const errors: unknown[] = [];
  let fail = true;
  const batches: Array<Record<string, number>> = [];
  const batcher = createLastUsedBatcher({
    flush: (b) => {
      if (fail) throw new Error('database locked');
      batches.push(Object.fromEntries(b));
    },
    intervalMs: 3_600_000,
    onError: (err) => errors.push(err),
  });
  batcher.touch('a', 10);
  await batcher.flush();
  t.equal(errors.length, 1);
  t.equal(batcher.pending(), 1);
  batcher.touch('a', 5);
  batcher.touch('b', 7);
  fail = false;
  await batcher.flush();
  t.same(batches, [{ a: 10, b: 7 }], 'merged, still the latest time per key');
  await batcher.close();
});

t.test('flushes run one at a time', async (t) => {
  const order: string[] = [];
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const batcher = createLastUsedBatcher({
    flush: async (b) => {
      const keys = [...b.keys()].join();
      order.push(`start ${keys}`);
      if (keys === 'a') await gate;
      order.push(`end ${keys}`);
    },
    intervalMs: 3_600_000,
  });
  batcher.touch('a', 1);
  const first = batcher.flush();
  batcher.touch('b', 1);
  const second = batcher.flush();
  release();
  await Promise.all([first, second]);
  t.same(order, ['start a', 'end a', 'start b', 'end b']);
  await batcher.close();
});

t.test('close flushes what is pending and ignores later touches', async (t) => {
  const batches: Array<Record<string, number>> = [];
  const batcher = createLastUsedBatcher({ flush: (b) => void batches.push(Object.fromEntries(b)), intervalMs: 3_600_000 });
  batcher.touch('a', 1);
  await batcher.close();
  t.same(batches, [{ a: 1 }]);
  batcher.touch('b', 2);
  t.equal(batcher.pending(), 0);
});
