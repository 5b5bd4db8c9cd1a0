// Filling a key store fast: rows inserted straight into the SQLite file the
// admin CLI created, in one transaction per chunk, shaped exactly like the
// admin's own writes (admin/store/migrations.ts: one fresh `seq` per key from
// change_sequence, SHA-256 hashes, org keys owned by registered organizations).
// The column list is checked against the file first, so a schema change fails
// loudly here instead of producing a replica the gateway cannot read.
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';

const COLUMNS = [
  'id',
  'family',
  'owner_id',
  'organization_id',
  'name',
  'key_prefix',
  'key_hash',
  'scopes',
  'status',
  'expires_at',
  'last_used_at',
  'created_at',
  'created_by',
  'revoked_at',
  'seq',
];

export interface BulkInsert {
  inserted: number;
  organizations: number;
  ms: number;
}

/** Add `count` active read keys spread over `organizations` organizations. */
export function bulkInsertKeys(databasePath: string, count: number, organizations = 1000): BulkInsert {
  const started = performance.now();
  const db = new Database(databasePath);
  try {
    const columns = (db.prepare('PRAGMA table_info(api_keys)').all() as { name: string }[]).map((c) => c.name);
    const missing = COLUMNS.filter((c) => !columns.includes(c));
    const extra = columns.filter((c) => !COLUMNS.includes(c));
    if (missing.length || extra.length) {
      throw new Error(
        `api_keys schema changed (missing ${missing.join(', ') || 'none'}, new ${extra.join(', ') || 'none'}): update bench/scenarios/bulk-keys.ts`,
      );
    }
    // A scratch file being filled: no journal, no fsync, a large page cache.
    db.pragma('journal_mode = OFF');
    db.pragma('synchronous = OFF');
    db.pragma('cache_size = -524288');
    const now = Date.now();
    const orgIds = Array.from({ length: organizations }, (_, i) => `bulk-org-${String(i).padStart(5, '0')}`);
    const addOrg = db.prepare('INSERT OR IGNORE INTO organizations (id, agency, created_at) VALUES (?, 0, ?)');
    const insert = db.prepare(
      `INSERT INTO api_keys (id, family, owner_id, organization_id, name, key_prefix, key_hash, scopes, status,
         expires_at, last_used_at, created_at, created_by, revoked_at, seq)
       VALUES (?, 'org', ?, ?, ?, ?, ?, '["read"]', 'active', NULL, NULL, ?, 'bench', NULL, ?)`,
    );
    const setSeq = db.prepare('UPDATE change_sequence SET value = ? WHERE id = 1');
    db.transaction(() => orgIds.forEach((id) => addOrg.run(id, now)))();
    const first = (db.prepare('SELECT value FROM change_sequence WHERE id = 1').pluck().get() as number) + 1;
    // Random hashes (as SHA-256 output is), inserted in sorted order with ids
    // and seqs ascending alongside, so every index is appended to
    // rather than split at random: minutes become seconds at 1,000,000 rows.
    const hashes = randomHashes(count).sort();
    const idPrefix = randomBytes(4).toString('hex');
    const chunk = 100_000;
    for (let done = 0; done < count; done += chunk) {
      const end = Math.min(done + chunk, count);
      db.transaction(() => {
        for (let i = done; i < end; i++) {
          const hash = hashes[i] as string;
          const org = orgIds[Math.floor((i * organizations) / count)] as string; // contiguous: the owner index is appended to as well
          const id = `${idPrefix}-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;
          insert.run(id, org, org, `bulk-${i}`, `bsk_live_${hash.slice(0, 4)}`, hash, now, first + i);
        }
        setSeq.run(first + end - 1);
      })();
    }
    db.pragma('journal_mode = WAL');
  } finally {
    db.close();
  }
  return { inserted: count, organizations, ms: performance.now() - started };
}

/** `count` distinct random 64-hex strings, like SHA-256 digests of random keys. */
function randomHashes(count: number): string[] {
  const unique = new Set<string>();
  while (unique.size < count) {
    const batch = Math.min(count - unique.size, 65_536);
    const bytes = randomBytes(32 * batch).toString('hex');
    for (let i = 0; i < batch; i++) unique.add(bytes.slice(i * 64, i * 64 + 64));
  }
  return [...unique];
}
