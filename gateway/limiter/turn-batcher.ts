// Calls made during one turn of the event loop, sent together. Requests that
// arrive together are read in one poll phase, one I/O callback each; their
// rate-limit takes are queued here and flushed in the check phase
// (setImmediate), right after that poll phase, as one batch. So N concurrent
// requests cost one Redis command instead of N: one ioredis command object,
// one socket write, one script dispatch in Redis (after envoyproxy/ratelimit's
// pipeline window, here bounded by the loop turn instead of a timer, so a
// lone request waits for no window). A batch holds at most `maxBatch` calls;
// a full batch is sent at once. Each call still gets its own promise, settled
// from its slot of the batch's answer; a failed batch fails every call in it.
// The grouped form keeps one batch per group and turn (a Redis Cluster slot).
export type SendBatch<I, O> = (items: readonly I[]) => Promise<readonly O[]>;

interface Waiter<O> {
  resolve(value: O): void;
  reject(reason: unknown): void;
}

/** Send one batch and settle each call from its slot of the answer; a failed batch fails every call in it. */
function dispatch<I, O>(items: readonly I[], waiters: readonly Waiter<O>[], send: SendBatch<I, O>): void {
  let sent: Promise<readonly O[]>;
  try {
    sent = send(items);
  } catch (err) {
    sent = Promise.reject(err);
  }
  sent.then(
    (answers) => {
      if (answers.length !== waiters.length) {
        const mismatch = new Error(`batch answered ${answers.length} of ${waiters.length} calls`);
        for (const waiter of waiters) waiter.reject(mismatch);
        return;
      }
      for (let i = 0; i < waiters.length; i++) waiters[i]!.resolve(answers[i] as O);
    },
    (err: unknown) => {
      for (const waiter of waiters) waiter.reject(err);
    },
  );
}

const assertBatchSize = (maxBatch: number): void => {
  if (!Number.isInteger(maxBatch) || maxBatch < 1) throw new RangeError(`maxBatch must be a positive integer, got ${maxBatch}`);
};

export function createTurnBatcher<I, O>(maxBatch: number, send: SendBatch<I, O>): (item: I) => Promise<O> {
  assertBatchSize(maxBatch);
  let items: I[] = [];
  let waiters: Waiter<O>[] = [];
  let flushScheduled = false;

  function dispatchAll(): void {
    const batchItems = items;
    const batchWaiters = waiters;
    items = [];
    waiters = [];
    dispatch(batchItems, batchWaiters, send);
  }

  function flush(): void {
    flushScheduled = false;
    if (items.length > 0) dispatchAll();
  }

  return (item) =>
    new Promise<O>((resolve, reject) => {
      items.push(item);
      waiters.push({ resolve, reject });
      if (items.length >= maxBatch) dispatchAll();
      else if (!flushScheduled) {
        flushScheduled = true;
        setImmediate(flush);
      }
    });
}

/**
 * The same, with one batch per group (`groupOf`) and turn: calls that must go to one place
 * together (a Cluster slot) are batched, others are sent apart. Groups live for one turn only.
 */
export function createGroupedTurnBatcher<I, O>(
  maxBatch: number,
  send: SendBatch<I, O>,
  groupOf: (item: I) => string,
): (item: I) => Promise<O> {
  assertBatchSize(maxBatch);
  let groups = new Map<string, { items: I[]; waiters: Waiter<O>[] }>();
  let flushScheduled = false;

  function flush(): void {
    flushScheduled = false;
    const turn = groups;
    groups = new Map();
    for (const group of turn.values()) dispatch(group.items, group.waiters, send);
  }

  return (item) =>
    new Promise<O>((resolve, reject) => {
      const key = groupOf(item);
      let group = groups.get(key);
      if (group === undefined) {
        group = { items: [], waiters: [] };
        groups.set(key, group);
      }
      group.items.push(item);
      group.waiters.push({ resolve, reject });
      if (group.items.length >= maxBatch) {
        groups.delete(key);
        dispatch(group.items, group.waiters, send);
      } else if (!flushScheduled) {
        flushScheduled = true;
        setImmediate(flush);
      }
    });
}
