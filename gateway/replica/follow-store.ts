// Combined mode: the replica follows the key store in the same process. The
// store announces every commit (its own synchronously, another process's
// through its data_version poll), and the replica pulls what is newer than
// its sequence, so a revocation through the admin API is in force before the
// admin's 204 is sent.
import type { KeyAuthRecord } from '../../core/key-record.js';
import type { KeyReplica } from './key-replica.js';

/** What the replica needs of the key store (admin/store satisfies it; the gateway never imports it). */
export interface ChangeSource {
  /** Records newer than `seq`, oldest first, as fresh objects: the replica takes them over (KeyReplica.apply). */
  changesSince(seq: number, limit: number): KeyAuthRecord[];
  onChange(listener: (seq: number) => void): () => void;
}

export function followStore(source: ChangeSource, replica: KeyReplica, pageSize = 5000): { close(): void } {
  const catchUp = (): void => {
    for (;;) {
      const page = source.changesSince(replica.seq, pageSize);
      replica.apply(page);
      if (page.length < pageSize) return;
    }
  };
  catchUp();
  replica.markLoaded();
  return { close: source.onChange(catchUp) };
}
