// The audit log's rows: who created, rotated, updated or revoked which key,
// when and from where. `record` is called by the key store inside the transaction of the
// change it records, so a change and its audit row commit (or roll back)
// together. The row holds the key's id, owner and public prefix, never the
// plain key or its hash.
import type { KeyFamily } from '../../core/keys.js';
import { isScope, type Scope } from '../../core/scopes.js';
import type { SqliteDatabase } from './database.js';
import type { QuotaJson, RateLimitJson } from '../key-limits.js';
import type { ApiKeyRow } from './rows.js';

export type AuditAction = 'key.created' | 'key.revoked' | 'key.rotated' | 'key.updated';

/** A key's own limits as the API writes them: what the key was created with, or changed to (null: back to the policy's). */
export interface LimitDetails {
  readonly rateLimits?: readonly RateLimitJson[] | null;
  readonly quota?: QuotaJson | null;
}

/**
 * What a creation (its own limits, when it has any), a rotation or an update (the fields changed,
 * with the new limits when they are among them) records beyond the key itself; never a plain key or a hash.
 */
export type AuditDetails =
  | { readonly previousKeyId: string; readonly gracePeriodSeconds: number }
  | ({ readonly fields: readonly string[] } & LimitDetails)
  | LimitDetails;

/** Who made a change: an API key (`key_<uuid>`) or an operator name (`cli`), and the client's address. */
export interface Actor {
  readonly id: string;
  /** The socket's remote address for an API request; null for the CLI. */
  readonly address: string | null;
}

export interface AuditEvent {
  /** Increases with every event: the order in which changes committed. */
  readonly id: number;
  /** Epoch milliseconds, by the store's clock. */
  readonly at: number;
  readonly actor: string;
  readonly clientAddress: string | null;
  readonly action: AuditAction;
  readonly keyId: string;
  readonly family: KeyFamily;
  readonly ownerId: string;
  readonly keyPrefix: string;
  /** The new key's scopes for key.created and key.rotated (the successor's); null otherwise. */
  readonly scopes: readonly Scope[] | null;
  /**
   * key.created: the key's own rateLimits/quota (null when it has neither); key.rotated: the rotated key
   * and the grace it was given; key.updated: the fields changed, and the new rateLimits/quota among them.
   */
  readonly details: AuditDetails | null;
}

export interface AuditFilter {
  /** Only events about keys of this owner. */
  owner?: { family: KeyFamily; ownerId: string } | undefined;
  /** Only events at or after this time (epoch ms). */
  since?: number | undefined;
  /** At most this many: the most recent ones, still listed oldest first. */
  limit: number;
}

export interface AuditLog {
  /** `details` for key.rotated and key.updated (the table refuses a row without them), optional for key.created, never for key.revoked. */
  record(action: AuditAction, key: ApiKeyRow, actor: Actor, at: number, details?: AuditDetails): void;
  list(filter: AuditFilter): AuditEvent[];
}

interface AuditRowSql {
  id: number;
  at: number;
  actor: string;
  client_address: string | null;
  action: AuditAction;
  key_id: string;
  family: KeyFamily;
  owner_id: string;
  key_prefix: string;
  scopes: string | null;
  details: string | null;
}

const toAuditEvent = (row: AuditRowSql): AuditEvent => ({
  id: row.id,
  at: row.at,
  actor: row.actor,
  clientAddress: row.client_address,
  action: row.action,
  keyId: row.key_id,
  family: row.family,
  ownerId: row.owner_id,
  keyPrefix: row.key_prefix,
  scopes: row.scopes === null ? null : (JSON.parse(row.scopes) as unknown[]).filter(isScope),
  details: row.details === null ? null : (JSON.parse(row.details) as AuditDetails),
});

const RECORDS_SCOPES: ReadonlySet<AuditAction> = new Set(['key.created', 'key.rotated']);

export function createAuditLog(db: SqliteDatabase): AuditLog {
  const insert = db.prepare(
    `INSERT INTO audit_events (at, actor, client_address, action, key_id, family, owner_id, key_prefix, scopes, details)
     VALUES (@at, @actor, @clientAddress, @action, @keyId, @family, @ownerId, @keyPrefix, @scopes, @details)`,
  );
  // Newest first to apply the limit; the caller gets them back in order.
  const select = db.prepare(
    `SELECT id, at, actor, client_address, action, key_id, family, owner_id, key_prefix, scopes, details FROM audit_events
     WHERE (@family IS NULL OR (family = @family AND owner_id = @ownerId)) AND at >= @since
     ORDER BY id DESC LIMIT @limit`,
  );
  return {
    record(action, key, actor, at, details) {
      insert.run({
        at,
        actor: actor.id,
        clientAddress: actor.address,
        action,
        keyId: key.id,
        family: key.family,
        ownerId: key.ownerId,
        keyPrefix: key.keyPrefix,
        scopes: RECORDS_SCOPES.has(action) ? JSON.stringify(key.scopes) : null,
        details: details === undefined ? null : JSON.stringify(details),
      });
    },
    list({ owner, since, limit }) {
      const rows = select.all({
        family: owner?.family ?? null,
        ownerId: owner?.ownerId ?? null,
        since: since ?? Number.MIN_SAFE_INTEGER,
        limit,
      }) as AuditRowSql[];
      return rows.reverse().map(toAuditEvent);
    },
  };
}
