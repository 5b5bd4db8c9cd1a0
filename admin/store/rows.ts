// Rows as the store hands them out, and the mapping from SQLite columns.
// Listings never select key_hash: a listing cannot leak what it never read.
import type { KeyAuthRecord } from '../../core/key-record.js';
import type { KeyFamily } from '../../core/keys.js';
import type { QuotaSpec, RateLimitSpec } from '../../core/rate-limits.js';
import { isScope, type Scope } from '../../core/scopes.js';
import { decodeQuota, decodeRateLimits } from '../key-limits.js';

export type KeyStatus = 'active' | 'revoked';

/** A key as the admin API and CLI see it: everything but the hash. Times in epoch ms. */
export interface ApiKeyRow {
  readonly id: string;
  readonly family: KeyFamily;
  readonly ownerId: string;
  readonly name: string;
  readonly keyPrefix: string;
  readonly scopes: readonly Scope[];
  readonly status: KeyStatus;
  readonly expiresAt: number | null;
  readonly lastUsedAt: number | null;
  readonly createdAt: number;
  readonly createdBy: string | null;
  readonly revokedAt: number | null;
  readonly seq: number;
  readonly allowedIps: readonly string[] | null;
  /** The key's own windows (record form), shortest first; null: the policy's. */
  readonly rateLimits: readonly RateLimitSpec[] | null;
  /** The key's own quota; null: the policy's. */
  readonly quota: QuotaSpec | null;
}

export interface Organization {
  readonly id: string;
  readonly agency: boolean;
  readonly createdAt: number;
}

/**
 * Each ApiKeyRow field and the column it is read from. The SELECT list is built from this table and
 * aliases every column to its field name, so a row comes out of SQLite already named as the API
 * row; the mapped type makes a field added to ApiKeyRow a build error here until it has a column.
 */
const KEY_ROW_COLUMNS: { readonly [F in keyof ApiKeyRow]-?: string } = {
  id: 'id',
  family: 'family',
  ownerId: 'owner_id',
  name: 'name',
  keyPrefix: 'key_prefix',
  scopes: 'scopes',
  status: 'status',
  expiresAt: 'expires_at',
  lastUsedAt: 'last_used_at',
  createdAt: 'created_at',
  createdBy: 'created_by',
  revokedAt: 'revoked_at',
  seq: 'seq',
  allowedIps: 'allowed_ips',
  rateLimits: 'rate_limits',
  quota: 'quota',
};

export const KEY_COLUMNS = Object.entries(KEY_ROW_COLUMNS)
  .map(([field, column]) => (field === column ? column : `${column} AS ${field}`))
  .join(', ');

/** A KEY_COLUMNS row: the API row, with the columns stored as JSON text still encoded. */
export type KeyRowSql = Omit<ApiKeyRow, 'scopes' | 'allowedIps' | 'rateLimits' | 'quota'> & {
  scopes: string;
  allowedIps: string | null;
  rateLimits: string | null;
  quota: string | null;
};

/**
 * Each key-record field and its column. The auth queries read raw arrays (below), so this table's
 * order is the row's and must be AuthRowSql's (the store tests read every field back). A field
 * added to the record is a build error here and in toAuthRecord (its return type) until both have it.
 */
const AUTH_RECORD_COLUMNS: { readonly [F in keyof KeyAuthRecord]-?: string } = {
  id: 'id',
  family: 'family',
  ownerId: 'owner_id',
  hash: 'key_hash',
  scopes: 'scopes',
  status: 'status',
  expiresAt: 'expires_at',
  seq: 'seq',
  allowedIps: 'allowed_ips',
  rateLimits: 'rate_limits',
  quota: 'quota',
};

export const AUTH_COLUMNS = Object.values(AUTH_RECORD_COLUMNS).join(', ');

/**
 * An AUTH_COLUMNS row as better-sqlite3 hands it out in raw mode (an array in
 * column order): the change feed reads a million of them at a bootstrap, and
 * arrays cost SQLite's binding about half what named-property rows do.
 */
export type AuthRowSql = [
  id: string,
  family: KeyFamily,
  ownerId: string,
  keyHash: string,
  scopes: string,
  status: KeyStatus,
  expiresAt: number | null,
  seq: number,
  allowedIps: string | null,
  rateLimits: string | null,
  quota: string | null,
];

export interface OrganizationSql {
  id: string;
  agency: number;
  created_at: number;
}

/** Scopes are written by this store only; anything unknown is dropped rather than trusted. */
const parseScopes = (json: string): Scope[] => (JSON.parse(json) as unknown[]).filter(isScope);

/** Allowlists are written by this store only, normalized (core/ip-allowlist.ts). */
const decodeAllowedIps = (json: string | null): string[] | null => (json === null ? null : (JSON.parse(json) as string[]));

export const toKeyRow = (row: KeyRowSql): ApiKeyRow => ({
  ...row,
  scopes: parseScopes(row.scopes),
  allowedIps: decodeAllowedIps(row.allowedIps),
  rateLimits: decodeRateLimits(row.rateLimits),
  quota: decodeQuota(row.quota),
});

/**
 * The one mapping from SQLite to the key record (KeyAuthRecord, its fields checked in
 * core/key-record.ts): what findByHash and the change feed hand out. The return type makes a
 * field added to the record a build error here until it is read from its column.
 */
export const toAuthRecord = ([
  id,
  family,
  ownerId,
  hash,
  scopes,
  status,
  expiresAt,
  seq,
  allowedIps,
  rateLimits,
  quota,
]: AuthRowSql): KeyAuthRecord => ({
  id,
  family,
  ownerId,
  hash,
  scopes: parseScopes(scopes),
  status,
  expiresAt,
  seq,
  allowedIps: decodeAllowedIps(allowedIps),
  rateLimits: decodeRateLimits(rateLimits),
  quota: decodeQuota(quota),
});

export const toOrganization = (row: OrganizationSql): Organization => ({
  id: row.id,
  agency: row.agency === 1,
  createdAt: row.created_at,
});
