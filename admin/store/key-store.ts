// The key store: the only code that reads or writes SQLite. Every write runs
// in an IMMEDIATE transaction (take the write lock first, so a concurrent
// writer waits on busy_timeout instead of failing on a stale snapshot), and
// every write to a key row gives it the next change sequence number, and every
// creation or revocation its audit event, in that same transaction. Plain keys
// pass through createKey and are returned once; only their SHA-256 is stored.
// Gateways' activity (last-used times, hourly usage: key-usage.ts) arrives in
// batches, each one write.
// A write that fails because of the environment (read-only file, full disk,
// I/O error, a lock held too long) throws StoreUnavailableError and marks the
// store unwritable until a write or probe succeeds (store-health.ts).
import { randomUUID } from 'node:crypto';
import type { KeyDirectory } from '../../core/auth.js';
import type { KeyAuthRecord } from '../../core/key-record.js';
import type { Clock } from '../../core/clock.js';
import { DEFAULT_USAGE_RETENTION_MS, type HourlyUsage, type KeyActivityBatch } from '../../core/key-activity.js';
import { generateKey, hashKey, keyPrefixOf, type KeyFamily } from '../../core/keys.js';
import type { Logger } from '../../core/logger.js';
import type { QuotaSpec, RateLimitSpec } from '../../core/rate-limits.js';
import { hasAgencyScope, type Scope } from '../../core/scopes.js';
import { createdLimitDetails, encodeLimit, updatedLimitDetails } from '../key-limits.js';
import { createAuditLog, type Actor, type AuditEvent, type AuditFilter } from './audit-log.js';
import { createChangeNotifier, type ChangeListener } from './change-notifier.js';
import { databasePathOf, openDatabase } from './database.js';
import { createKeyUsage } from './key-usage.js';
import { createOrganizations, type AddOrganizationResult, type SetAgencyResult } from './organizations.js';
import {
  AUTH_COLUMNS,
  KEY_COLUMNS,
  toAuthRecord,
  toKeyRow,
  type ApiKeyRow,
  type AuthRowSql,
  type KeyRowSql,
  type Organization,
} from './rows.js';
import { createHealthTracker, type StoreHealth } from './store-health.js';
import { probeWrite } from './writability.js';

export type { AddOrganizationResult, SetAgencyResult, StoreHealth };

export interface NewKey {
  family: KeyFamily;
  ownerId: string;
  name: string;
  scopes: readonly Scope[];
  expiresAt: number | null;
  /** Normalized (core/ip-allowlist.ts); null or absent: any address. */
  allowedIps?: readonly string[] | null;
  /** The key's own windows, validated (admin/key-limits.ts), shortest first; null or absent: the policy's. */
  rateLimits?: readonly RateLimitSpec[] | null;
  /** The key's own quota, validated; null or absent: the policy's. */
  quota?: QuotaSpec | null;
  /** Also the audit log's actor: `key_<uuid>` for the API, `cli` or --created-by for the CLI. */
  createdBy: string | null;
  /** The request's client address, for the audit log (null: not over the network). */
  clientAddress?: string | null;
  /** Register an unknown organization as a standard one (the CLI does; the API never needs to). */
  registerOrganization?: boolean;
}

export type CreateKeyResult =
  { ok: true; key: ApiKeyRow; plainKey: string } | { ok: false; reason: 'unknown_organization' | 'agency_scopes_not_allowed' };

export type RevokeResult = 'revoked' | 'already_revoked' | 'not_found';

export interface RotateKeyInput {
  /** How long the rotated key keeps working (never past its own expiry); 0 revokes it at once. */
  graceMs: number;
  /** The successor's name; absent: the rotated key's. */
  name?: string | undefined;
  actor: Actor;
}

export type RotateKeyResult =
  { ok: true; key: ApiKeyRow; plainKey: string; previousKey: ApiKeyRow } | { ok: false; reason: 'not_found' | 'revoked' | 'expired' };

/** The fields an update may change; an absent field is left as it is. Values already validated. */
export interface KeyChanges {
  name?: string;
  scopes?: readonly Scope[];
  expiresAt?: number | null;
  allowedIps?: readonly string[] | null;
  rateLimits?: readonly RateLimitSpec[] | null;
  quota?: QuotaSpec | null;
}

export type UpdateKeyResult =
  | { ok: true; key: ApiKeyRow; changed: readonly (keyof KeyChanges)[] }
  | { ok: false; reason: 'not_found' | 'revoked' | 'agency_scopes_not_allowed' };

export interface KeyCount {
  family: KeyFamily;
  status: 'active' | 'revoked';
  count: number;
}

export interface KeyOwner {
  family: KeyFamily;
  ownerId: string;
}

export interface KeyStore extends KeyDirectory {
  /** The database file, absolute. */
  readonly path: string;
  /** Whether writes work, as the last write or probe found. */
  health(): StoreHealth;
  /** Prove a write works now (a rolled-back write, free space); updates health(). Returns the problem, naming the file. */
  probeWrite(): string | undefined;
  findByHash(hash: string): KeyAuthRecord | undefined;
  /** Key records whose latest write is newer than `seq`, oldest first. */
  changesSince(seq: number, limit: number): KeyAuthRecord[];
  currentSeq(): number;
  /** Keys by family and status (for metrics; one indexed scan, run at scrape time). */
  keyCounts(): KeyCount[];
  /** Called with the new sequence after any key write, from this process or another. Returns unsubscribe. */
  onChange(listener: ChangeListener): () => void;
  /**
   * In one transaction: move last_used_at forward (never back; unknown ids ignored), add the hourly counts
   * to the stored rows (unknown key ids skipped), and, at most once per clock hour, prune rows
   * older than the usage retention.
   */
  recordActivity(batch: KeyActivityBatch): void;
  /** A key's hourly usage with hour start in [hourStartOf(fromMs), toMs), oldest first; hours without traffic have no row. */
  usageOf(keyId: string, fromMs: number, toMs: number): HourlyUsage[];
  getOrganization(id: string): Organization | undefined;
  addOrganization(id: string, agency: boolean): AddOrganizationResult;
  /** Every organization, by id. */
  listOrganizations(): Organization[];
  /** Make an organization an agency or not; not while any of its active keys holds an agency scope. */
  setOrganizationAgency(id: string, agency: boolean): SetAgencyResult;
  createKey(input: NewKey): CreateKeyResult;
  listKeys(owner: KeyOwner): ApiKeyRow[];
  getKey(id: string): ApiKeyRow | undefined;
  /**
   * Revoke `id`; with `owner`, a key of anyone else is reported as not found.
   * Only an actual revocation is audited: an already revoked key changes nothing.
   */
  revokeKey(id: string, owner?: KeyOwner, actor?: Actor): RevokeResult;
  /**
   * Issue a successor to `id` (same owner, scopes, name unless given, expiry, allowlist and limits) and
   * shorten the rotated key's life to the grace (revoke it when 0), in one transaction with one
   * audit event (key.rotated, on the successor). A revoked or expired key is not rotated.
   */
  rotateKey(id: string, owner: KeyOwner, input: RotateKeyInput): RotateKeyResult;
  /**
   * Apply `changes` to an unrevoked key. Only fields whose value differs are changed and audited
   * (key.updated with their names); nothing differing writes nothing.
   */
  updateKey(id: string, owner: KeyOwner, changes: KeyChanges, actor: Actor): UpdateKeyResult;
  /** Audit events, oldest first (see AuditFilter for the limit). */
  auditEvents(filter: AuditFilter): AuditEvent[];
  close(): void;
}

export interface StoreOptions {
  path: string;
  /** Refuse a missing file instead of creating one (read-only commands). */
  mustExist?: boolean;
  clock: Clock;
  logger: Logger;
  /** How often another process's commits are looked for while someone listens. */
  pollMs?: number;
  /** How long a write waits for another connection's lock (default BUSY_TIMEOUT_MS, writability.ts). */
  busyTimeoutMs?: number;
  /** How long hourly usage rows are kept (default DEFAULT_USAGE_RETENTION_MS). */
  usageRetentionMs?: number;
}

/** The fields updateKey may change, in the order key.updated names them. */
const CHANGEABLE: readonly (keyof KeyChanges)[] = ['name', 'scopes', 'expiresAt', 'allowedIps', 'rateLimits', 'quota'];

/** A changeable field's values compared as stored: lists by their JSON (scopes and windows are kept in canonical order). */
const sameValue = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** The update statement's parameters for a key's changeable fields, encoded as stored. */
const encodedFields = (key: Pick<ApiKeyRow, keyof KeyChanges>) => ({
  name: key.name,
  scopes: JSON.stringify(key.scopes),
  expiresAt: key.expiresAt,
  allowedIps: encodeLimit(key.allowedIps),
  rateLimits: encodeLimit(key.rateLimits),
  quota: encodeLimit(key.quota),
});

/** The audit actor of a change made by calling the store directly, without saying who (tests, embedding code). */
export const UNATTRIBUTED: Actor = Object.freeze({ id: 'system', address: null });

export function openStore(options: StoreOptions): KeyStore {
  const { path: givenPath, mustExist, clock, logger, pollMs, busyTimeoutMs, usageRetentionMs = DEFAULT_USAGE_RETENTION_MS } = options;
  const path = databasePathOf(givenPath);
  const db = openDatabase(path, undefined, { mustExist, busyTimeoutMs });
  const audit = createAuditLog(db);
  const orgs = createOrganizations(db, clock);
  const usage = createKeyUsage(db, clock, usageRetentionMs);
  const health = createHealthTracker(path, logger, db.pragma('busy_timeout', { simple: true }) as number);
  const sql = {
    byHash: db.prepare(`SELECT ${AUTH_COLUMNS} FROM api_keys WHERE key_hash = ?`).raw(true),
    changes: db.prepare(`SELECT ${AUTH_COLUMNS} FROM api_keys WHERE seq > ? ORDER BY seq LIMIT ?`).raw(true),
    seq: db.prepare('SELECT value FROM change_sequence WHERE id = 1').pluck(),
    bumpSeq: db.prepare('UPDATE change_sequence SET value = value + 1 WHERE id = 1 RETURNING value').pluck(),
    touch: db.prepare('UPDATE api_keys SET last_used_at = max(coalesce(last_used_at, 0), ?) WHERE id = ?'),
    insertKey: db.prepare(
      `INSERT INTO api_keys (id, family, owner_id, organization_id, name, key_prefix, key_hash, scopes, status,
         expires_at, last_used_at, created_at, created_by, revoked_at, seq, allowed_ips, rate_limits, quota)
       VALUES (@id, @family, @ownerId, @organizationId, @name, @keyPrefix, @keyHash, @scopes, 'active',
         @expiresAt, NULL, @createdAt, @createdBy, NULL, @seq, @allowedIps, @rateLimits, @quota)`,
    ),
    update: db.prepare(
      `UPDATE api_keys SET name = @name, scopes = @scopes, expires_at = @expiresAt, allowed_ips = @allowedIps,
         rate_limits = @rateLimits, quota = @quota, seq = @seq
       WHERE id = @id`,
    ),
    list: db.prepare(`SELECT ${KEY_COLUMNS} FROM api_keys WHERE family = ? AND owner_id = ? ORDER BY created_at, rowid`),
    key: db.prepare(`SELECT ${KEY_COLUMNS} FROM api_keys WHERE id = ?`),
    counts: db.prepare('SELECT family, status, count(*) AS count FROM api_keys GROUP BY family, status'),
    revoke: db.prepare(`UPDATE api_keys SET status = 'revoked', revoked_at = ?, seq = ? WHERE id = ?`),
  };

  const currentSeq = (): number => sql.seq.get() as number;
  const notifier = createChangeNotifier(db, currentSeq, logger, pollMs);
  const getOrganization = orgs.get;
  const getKey = (id: string): ApiKeyRow | undefined => {
    const row = sql.key.get(id) as KeyRowSql | undefined;
    return row && toKeyRow(row);
  };
  const nextSeq = (): number => sql.bumpSeq.get() as number;

  const ownedBy = (key: ApiKeyRow | undefined, owner: KeyOwner | undefined): key is ApiKeyRow =>
    key !== undefined && (!owner || (key.family === owner.family && key.ownerId === owner.ownerId));

  /** Whether `scopes` may be held by keys of `family`/`ownerId` (agency scopes: agency organizations only). */
  const scopesAllowed = (family: KeyFamily, ownerId: string, scopes: readonly Scope[]): boolean =>
    !hasAgencyScope(scopes) || (family === 'org' && getOrganization(ownerId)?.agency === true);

  /** Insert a new active key; the caller has checked its owner and scopes and records its audit event. */
  function insertKey(input: NewKey, now: number): { key: ApiKeyRow; plainKey: string } {
    const plainKey = generateKey(input.family);
    const id = randomUUID();
    sql.insertKey.run({
      id,
      family: input.family,
      ownerId: input.ownerId,
      organizationId: input.family === 'org' ? input.ownerId : null,
      name: input.name,
      keyPrefix: keyPrefixOf(plainKey, input.family),
      keyHash: hashKey(plainKey),
      scopes: JSON.stringify(input.scopes),
      expiresAt: input.expiresAt,
      createdAt: now,
      createdBy: input.createdBy,
      seq: nextSeq(),
      allowedIps: encodeLimit(input.allowedIps ?? null),
      rateLimits: encodeLimit(input.rateLimits ?? null),
      quota: encodeLimit(input.quota ?? null),
    });
    return { key: getKey(id) as ApiKeyRow, plainKey };
  }

  const createTx = db.transaction((input: NewKey): CreateKeyResult => {
    if (input.family === 'org' && !getOrganization(input.ownerId)) {
      if (!input.registerOrganization) return { ok: false, reason: 'unknown_organization' };
      orgs.insert(input.ownerId, false);
    }
    if (!scopesAllowed(input.family, input.ownerId, input.scopes)) return { ok: false, reason: 'agency_scopes_not_allowed' };
    const now = clock.now();
    const { key, plainKey } = insertKey(input, now);
    const actor = input.createdBy === null ? UNATTRIBUTED : { id: input.createdBy, address: input.clientAddress ?? null };
    audit.record('key.created', key, actor, now, createdLimitDetails(key));
    return { ok: true, key, plainKey };
  });

  const rotateTx = db.transaction((id: string, owner: KeyOwner, input: RotateKeyInput): RotateKeyResult => {
    const old = getKey(id);
    if (!ownedBy(old, owner)) return { ok: false, reason: 'not_found' };
    if (old.status === 'revoked') return { ok: false, reason: 'revoked' };
    const now = clock.now();
    if (old.expiresAt !== null && old.expiresAt <= now) return { ok: false, reason: 'expired' };
    const { key, plainKey } = insertKey(
      {
        family: old.family,
        ownerId: old.ownerId,
        name: input.name ?? old.name,
        scopes: old.scopes,
        expiresAt: old.expiresAt,
        allowedIps: old.allowedIps,
        rateLimits: old.rateLimits,
        quota: old.quota,
        createdBy: input.actor.id,
      },
      now,
    );
    if (input.graceMs === 0) sql.revoke.run(now, nextSeq(), old.id);
    else {
      const until = old.expiresAt === null ? now + input.graceMs : Math.min(old.expiresAt, now + input.graceMs);
      sql.update.run({ ...encodedFields(old), expiresAt: until, seq: nextSeq(), id: old.id });
    }
    audit.record('key.rotated', key, input.actor, now, { previousKeyId: old.id, gracePeriodSeconds: Math.round(input.graceMs / 1000) });
    return { ok: true, key, plainKey, previousKey: getKey(old.id) as ApiKeyRow };
  });

  const updateTx = db.transaction((id: string, owner: KeyOwner, changes: KeyChanges, actor: Actor): UpdateKeyResult => {
    const key = getKey(id);
    if (!ownedBy(key, owner)) return { ok: false, reason: 'not_found' };
    if (key.status === 'revoked') return { ok: false, reason: 'revoked' };
    const changed = CHANGEABLE.filter((field) => changes[field] !== undefined && !sameValue(changes[field], key[field]));
    if (changed.length === 0) return { ok: true, key, changed };
    if (changes.scopes && !scopesAllowed(key.family, key.ownerId, changes.scopes))
      return { ok: false, reason: 'agency_scopes_not_allowed' };
    const next = { ...key, ...changes };
    sql.update.run({ ...encodedFields(next), seq: nextSeq(), id });
    const updated = getKey(id) as ApiKeyRow;
    audit.record('key.updated', updated, actor, clock.now(), { fields: changed, ...updatedLimitDetails(updated, changed) });
    return { ok: true, key: updated, changed };
  });

  const revokeTx = db.transaction((id: string, owner: KeyOwner | undefined, actor: Actor): RevokeResult => {
    const key = getKey(id);
    if (!ownedBy(key, owner)) return 'not_found';
    if (key.status === 'revoked') return 'already_revoked';
    const now = clock.now();
    sql.revoke.run(now, nextSeq(), id);
    audit.record('key.revoked', key, actor, now);
    return 'revoked';
  });

  const activityTx = db.transaction((batch: KeyActivityBatch): number | undefined => {
    for (const [keyId, atMs] of batch.lastUsed) sql.touch.run(atMs, keyId);
    usage.add(batch.usage);
    return usage.pruneIfDue();
  });
  const recordActivity = (batch: KeyActivityBatch): void => {
    if (batch.lastUsed.size === 0 && batch.usage.length === 0) return;
    const prunedHour = health.write(() => activityTx.immediate(batch));
    if (prunedHour !== undefined) usage.pruned(prunedHour);
  };

  return {
    path,
    health: () => health.status(),
    probeWrite() {
      const problem = probeWrite(db, path);
      health.probed(problem);
      return problem;
    },
    findByHash(hash) {
      const row = sql.byHash.get(hash) as AuthRowSql | undefined;
      return row && toAuthRecord(row);
    },
    changesSince: (seq, limit) => (sql.changes.all(seq, limit) as AuthRowSql[]).map(toAuthRecord),
    currentSeq,
    keyCounts: () => sql.counts.all() as KeyCount[],
    onChange: (listener) => notifier.subscribe(listener),
    recordActivity,
    usageOf: (keyId, fromMs, toMs) => usage.of(keyId, fromMs, toMs),
    getOrganization,
    addOrganization: (id, agency) => health.write(() => orgs.add(id, agency)),
    listOrganizations: () => orgs.list(),
    setOrganizationAgency: (id, agency) => health.write(() => orgs.setAgency(id, agency)),
    createKey(input) {
      const result = health.write(() => createTx.immediate(input));
      if (result.ok) notifier.announce(result.key.seq);
      return result;
    },
    listKeys: (owner) => (sql.list.all(owner.family, owner.ownerId) as KeyRowSql[]).map(toKeyRow),
    getKey,
    revokeKey(id, owner, actor = UNATTRIBUTED) {
      const result = health.write(() => revokeTx.immediate(id, owner, actor));
      if (result === 'revoked') notifier.announce(currentSeq());
      return result;
    },
    rotateKey(id, owner, input) {
      const result = health.write(() => rotateTx.immediate(id, owner, input));
      if (result.ok) notifier.announce(currentSeq());
      return result;
    },
    updateKey(id, owner, changes, actor) {
      const result = health.write(() => updateTx.immediate(id, owner, changes, actor));
      if (result.ok && result.changed.length > 0) notifier.announce(currentSeq());
      return result;
    },
    auditEvents: (filter) => audit.list(filter),
    close() {
      notifier.close();
      if (db.open) db.close();
    },
  };
}
