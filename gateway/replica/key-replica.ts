// The gateway's in-memory copy of every key record, looked up by hash on the
// hot path (no disk, no network). It is fed by a change source (the store in
// process, or the admin's change feed) and only ever moves forward in
// sequence, so a late or repeated page cannot resurrect a revoked key.
import type { KeyDirectory } from '../../core/auth.js';
import type { KeyAuthRecord } from '../../core/key-record.js';
import type { Scope } from '../../core/scopes.js';

export interface ReplicaStatus {
  readonly loaded: boolean;
  readonly size: number;
  readonly seq: number;
}

export class KeyReplica implements KeyDirectory {
  readonly #byHash = new Map<string, KeyAuthRecord>();
  /** Scope lists are shared between records: a million keys hold a handful of distinct lists. */
  readonly #scopeLists = new Map<string, readonly Scope[]>();
  readonly #listeners = new Set<(seq: number) => void>();
  #seq = 0;
  #loaded = false;

  findByHash(hash: string): KeyAuthRecord | undefined {
    return this.#byHash.get(hash);
  }

  get seq(): number {
    return this.#seq;
  }

  get loaded(): boolean {
    return this.#loaded;
  }

  get size(): number {
    return this.#byHash.size;
  }

  status(): ReplicaStatus {
    return { loaded: this.#loaded, size: this.#byHash.size, seq: this.#seq };
  }

  /**
   * Apply records in sequence order. A record whose seq is not newer than the
   * replica's is skipped. A key's hash never changes, so the hash is the
   * identity of the entry; revoked keys stay (with their status) so their
   * holders get "revoked" rather than "invalid". The replica takes the records over: each is
   * stored itself (no copy, so no field list to keep in step with the record type), with its scope
   * list swapped for a shared one, and frozen. They must be whole key records: the store's, or a
   * feed page's that parseChangesPage accepted.
   */
  apply(records: readonly KeyAuthRecord[]): void {
    for (const record of records) {
      if (record.seq <= this.#seq) continue;
      this.#byHash.set(record.hash, this.#own(record));
      this.#seq = record.seq;
    }
    if (records.length > 0) for (const listener of this.#listeners) listener(this.#seq);
  }

  /** Be told the replica's sequence after each applied batch (tests, metrics). */
  onApplied(listener: (seq: number) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Resolves once the replica has applied sequence `seq` or later. */
  reached(seq: number): Promise<void> {
    if (this.#seq >= seq) return Promise.resolve();
    return new Promise((resolve) => {
      const stop = this.onApplied((current) => {
        if (current < seq) return;
        stop();
        resolve();
      });
    });
  }

  /** Mark the initial snapshot as complete: from now on the replica may answer readiness probes. */
  markLoaded(): void {
    this.#loaded = true;
  }

  #own(record: KeyAuthRecord): KeyAuthRecord {
    if (Object.isFrozen(record)) return record; // given frozen: stored as it is
    (record as { scopes: readonly Scope[] }).scopes = this.#internScopes(record.scopes);
    return Object.freeze(record);
  }

  #internScopes(scopes: readonly Scope[]): readonly Scope[] {
    const id = scopes.join(',');
    let shared = this.#scopeLists.get(id);
    if (!shared) {
      shared = Object.freeze([...scopes]);
      this.#scopeLists.set(id, shared);
    }
    return shared;
  }
}
