// Requests in flight per key (defaults.concurrency), so one key cannot hold
// every upstream connection or every buffered body: a slow client's stalls
// cost its own key's slots, never another tenant's. Per gateway instance, in
// memory; a key with nothing in flight has no entry.

export interface InFlight {
  /** Take a slot for `keyId`; false when it already holds `limit`. */
  acquire(keyId: string, limit: number): boolean;
  release(keyId: string): void;
  /** Slots `keyId` holds now. */
  count(keyId: string): number;
}

export function createInFlight(): InFlight {
  const counts = new Map<string, number>();
  return {
    acquire(keyId, limit) {
      const held = counts.get(keyId) ?? 0;
      if (held >= limit) return false;
      counts.set(keyId, held + 1);
      return true;
    },
    release(keyId) {
      const held = counts.get(keyId) ?? 0;
      if (held <= 1) counts.delete(keyId);
      else counts.set(keyId, held - 1);
    },
    count: (keyId) => counts.get(keyId) ?? 0,
  };
}
