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
export type SendBatch<I, O> = (items: readonly I[]) => Promise<readonly O[]>;

interface Waiter<O> {
  resolve(value: O): void;
  reject(reason: unknown): void;
}

export function createTurnBatcher<I, O>(maxBatch: number, send: SendBatch<I, O>): (item: I) => Promise<O> {
  if (!Number.isInteger(maxBatch) || maxBatch < 1) throw new RangeError(`maxBatch must be a positive integer, got ${maxBatch}`);
  let items: I[] = [];
  let waiters: Waiter<O>[] = [];
  let flushScheduled = false;

  function dispatch(): void {
    const batchItems = items;
    const batchWaiters = waiters;
    items = [];
    waiters = [];
    let sent: Promise<readonly O[]>;
    try {
      sent = send(batchItems);
    } catch (err) {
      sent = Promise.reject(err);
    }
    sent.then(
      (answers) => {
        if (answers.length !== batchWaiters.length) {
          const mismatch = new Error(`batch answered ${answers.length} of ${batchWaiters.length} calls`);
          for (const waiter of batchWaiters) waiter.reject(mismatch);
          return;
        }
        for (let i = 0; i < batchWaiters.length; i++) batchWaiters[i]!.resolve(answers[i] as O);
      },
      (err: unknown) => {
        for (const waiter of batchWaiters) waiter.reject(err);
      },
    );
  }

  function flush(): void {
    flushScheduled = false;
    if (items.length > 0) dispatch();
  }

  return (item) =>
    new Promise<O>((resolve, reject) => {
      items.push(item);
      waiters.push({ resolve, reject });
      if (items.length >= maxBatch) dispatch();
      else if (!flushScheduled) {
        flushScheduled = true;
        setImmediate(flush);
      }
    });
}
