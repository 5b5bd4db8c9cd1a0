// The key-activity batcher: latest time per key and hourly counts per key
// and outcome, one batch per flush, put back after a failed flush (times
// merge, counts add), flushed on its timer and on close.
import t from 'tap';
import { createActivityBatcher } from '../../core/activity-batcher.js';
import { HOUR_MS, type HourlyUsage, type KeyActivityBatch } from '../../core/key-activity.js';

/** A batch's last-used times as a plain object. */
const times = (batch: KeyActivityBatch): Record<string, number> => Object.fromEntries(batch.lastUsed);

t.test('keeps the latest time per key and hands one batch per flush', async (t) => {
  const batches: Array<Record<string, number>> = [];
  const batcher = createActivityBatcher({ flush: (b) => void batches.push(times(b)), intervalMs: 3_600_000 });
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
  let delivered!: (batch: KeyActivityBatch) => void;
  const flushed = new Promise<KeyActivityBatch>((resolve) => (delivered = resolve));
  const batcher = createActivityBatcher({ flush: (b) => delivered(b), intervalMs: 5 });
  // The batcher's timer is unref'd (it must never hold a process open): hold this one open meanwhile.
  const keepAlive = setInterval(() => undefined, 60_000);
  batcher.touch('a', 1);
  t.same(times(await flushed), { a: 1 });
  clearInterval(keepAlive);
  await batcher.close();
});

t.test('a failed flush keeps the batch for the next one', async (t) => {
  const errors: unknown[] = [];
  let fail = true;
  const batches: Array<Record<string, number>> = [];
  const batcher = createActivityBatcher({
    flush: (b) => {
      if (fail) throw new Error('database locked');
      batches.push(times(b));
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
  const batcher = createActivityBatcher({
    flush: async (b) => {
      const keys = [...b.lastUsed.keys()].join();
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
  const batcher = createActivityBatcher({ flush: (b) => void batches.push(times(b)), intervalMs: 3_600_000 });
  batcher.touch('a', 1);
  await batcher.close();
  t.same(batches, [{ a: 1 }]);
  batcher.touch('b', 2);
  t.equal(batcher.pending(), 0);
});

const H = 490_000 * HOUR_MS; // an hour's start
const zero = { success: 0, rateLimited: 0, clientErrors: 0, serverErrors: 0 };
const rows = (batch: KeyActivityBatch): HourlyUsage[] =>
  [...batch.usage].sort((x, y) => x.keyId.localeCompare(y.keyId) || x.hourStartMs - y.hourStartMs);

t.test('counts per key, hour and outcome; an hour turning before the flush keeps both hours apart', async (t) => {
  const batches: KeyActivityBatch[] = [];
  const batcher = createActivityBatcher({ flush: (b) => void batches.push(b), intervalMs: 3_600_000 });
  batcher.count('a', H + 1, 'success');
  batcher.count('a', H + 2, 'success');
  batcher.count('a', H + 3, 'rateLimited');
  batcher.count('b', H + 4, 'serverErrors');
  batcher.count('a', H + HOUR_MS, 'clientErrors'); // the next hour
  t.equal(batcher.pending(), 2, 'two keys');
  await batcher.flush();
  t.equal(batches.length, 1);
  t.same(times(batches[0]!), {}, 'counting is not a use: no last-used time');
  t.same(rows(batches[0]!), [
    { keyId: 'a', hourStartMs: H, ...zero, success: 2, rateLimited: 1 },
    { keyId: 'a', hourStartMs: H + HOUR_MS, ...zero, clientErrors: 1 },
    { keyId: 'b', hourStartMs: H, ...zero, serverErrors: 1 },
  ]);
  await batcher.close();
});

t.test('a failed flush puts the counts back: nothing lost, nothing counted twice', async (t) => {
  let fail = true;
  const delivered: KeyActivityBatch[] = [];
  const batcher = createActivityBatcher({
    flush: (b) => {
      if (fail) throw new Error('admin unreachable');
      delivered.push(b);
    },
    intervalMs: 3_600_000,
  });
  batcher.touch('a', H + 5);
  batcher.count('a', H + 5, 'success');
  batcher.count('a', H + HOUR_MS + 1, 'success');
  await batcher.flush();
  t.equal(delivered.length, 0);
  batcher.count('a', H + HOUR_MS + 2, 'success');
  batcher.count('a', H + 6, 'clientErrors'); // a late count of the earlier hour
  fail = false;
  await batcher.flush();
  const totals = new Map<number, HourlyUsage>();
  for (const row of delivered[0]!.usage) {
    const known = totals.get(row.hourStartMs) ?? { ...row, ...zero };
    totals.set(row.hourStartMs, {
      ...known,
      success: known.success + row.success,
      clientErrors: known.clientErrors + row.clientErrors,
    });
  }
  t.same(times(delivered[0]!), { a: H + 5 });
  t.same(
    [...totals.values()].sort((x, y) => x.hourStartMs - y.hourStartMs),
    [
      { keyId: 'a', hourStartMs: H, ...zero, success: 1, clientErrors: 1 },
      { keyId: 'a', hourStartMs: H + HOUR_MS, ...zero, success: 2 },
    ],
    'per hour, the sum of what was counted',
  );
  await batcher.close();
});

t.test('close flushes pending counts and ignores later ones', async (t) => {
  const batches: KeyActivityBatch[] = [];
  const batcher = createActivityBatcher({ flush: (b) => void batches.push(b), intervalMs: 3_600_000 });
  batcher.count('a', H, 'success');
  await batcher.close();
  batcher.count('a', H, 'success');
  t.same(rows(batches[0]!), [{ keyId: 'a', hourStartMs: H, ...zero, success: 1 }]);
  t.equal(batcher.pending(), 0);
});
