// Bounded in-memory bucket states, shared by the memory limiter, the
// over-limit cache and the auth-failure guard. A state that equals an unknown
// one (a bucket full again, a quota counter whose period is over) is
// forgotten at the time its writer gives (`fullAtMs`): lazily on read,
// and by a sweep at most once per `sweepIntervalMs` of clock time (run from
// `set`, so no timer is needed and tests drive it with a manual clock). At
// `maxEntries` the least recently written bucket is dropped (its owner then
// starts full again: under memory pressure the store errs towards allowing,
// never towards growing).
import type { Clock } from '../../core/clock.js';
import type { BucketState } from './token-bucket.js';

export interface BucketStoreOptions {
  clock: Clock;
  maxEntries?: number;
  sweepIntervalMs?: number;
}

export interface BucketStore<S = BucketState> {
  /**
   * The stored state, or undefined when unknown or full again. `nowMs`: the clock's reading, when
   * the caller has just taken one (a clock read is not free on every machine, and hot paths read once).
   */
  get(id: string, nowMs?: number): S | undefined;
  set(id: string, state: S, fullAtMs: number, nowMs?: number): void;
  delete(id: string): void;
  /** Forget every bucket that is full again; returns how many were dropped. */
  sweep(): number;
  readonly size: number;
}

interface Entry<S> {
  state: S;
  fullAtMs: number;
}

export const DEFAULT_MAX_ENTRIES = 100_000;
export const DEFAULT_SWEEP_INTERVAL_MS = 10_000;

export function createBucketStore<S = BucketState>(options: BucketStoreOptions): BucketStore<S> {
  const { clock } = options;
  const maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
  const sweepIntervalMs = options.sweepIntervalMs ?? DEFAULT_SWEEP_INTERVAL_MS;
  if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new RangeError(`maxEntries must be a positive integer, got ${maxEntries}`);
  const entries = new Map<string, Entry<S>>();
  let nextSweepAtMs = clock.now() + sweepIntervalMs;

  function sweep(): number {
    const now = clock.now();
    nextSweepAtMs = now + sweepIntervalMs;
    let dropped = 0;
    for (const [id, entry] of entries) {
      if (entry.fullAtMs <= now) {
        entries.delete(id);
        dropped++;
      }
    }
    return dropped;
  }

  return {
    get(id, nowMs) {
      const entry = entries.get(id);
      if (entry === undefined) return undefined;
      if (entry.fullAtMs <= (nowMs ?? clock.now())) {
        entries.delete(id);
        return undefined;
      }
      return entry.state;
    },
    set(id, state, fullAtMs, nowMs) {
      // Delete first so Map order is least-recently-written first.
      const existed = entries.delete(id);
      if ((nowMs ?? clock.now()) >= nextSweepAtMs) sweep();
      if (!existed && entries.size >= maxEntries) {
        // O(1), never a scan per insert: a flood of new ids must stay cheap.
        const oldest = entries.keys().next();
        if (!oldest.done) entries.delete(oldest.value);
      }
      entries.set(id, { state, fullAtMs });
    },
    delete(id) {
      entries.delete(id);
    },
    sweep,
    get size() {
      return entries.size;
    },
  };
}
