// Rows as the store hands them out, and the mapping from SQLite columns.
// Listings never select key_hash: a listing cannot leak what it never read.
import type { KeyAuthRecord } from '../../core/key-record.js';
import type { KeyFamily } from '../../core/keys.js';
import { isScope, type Scope } from '../../core/scopes.js';

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
}

export interface Organization {
  readonly id: string;
  readonly agency: boolean;
  readonly createdAt: number;
}

export const KEY_COLUMNS =
  'id, family, owner_id, name, key_prefix, scopes, status, expires_at, last_used_at, created_at, created_by, revoked_at, seq';

export const AUTH_COLUMNS = 'id, family, owner_id, key_hash, scopes, status, expires_at, seq';

export interface KeyRowSql {
  id: string;
  family: KeyFamily;
  owner_id: string;
  name: string;
  key_prefix: string;
  scopes: string;
  status: KeyStatus;
  expires_at: number | null;
  last_used_at: number | null;
  created_at: number;
  created_by: string | null;
  revoked_at: number | null;
  seq: number;
}

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
];

export interface OrganizationSql {
  id: string;
  agency: number;
  created_at: number;
}

/** Scopes are written by this store only; anything unknown is dropped rather than trusted. */
const parseScopes = (json: string): Scope[] => (JSON.parse(json) as unknown[]).filter(isScope);

export const toKeyRow = (row: KeyRowSql): ApiKeyRow => ({
  id: row.id,
  family: row.family,
  ownerId: row.owner_id,
  name: row.name,
  keyPrefix: row.key_prefix,
  scopes: parseScopes(row.scopes),
  status: row.status,
  expiresAt: row.expires_at,
  lastUsedAt: row.last_used_at,
  createdAt: row.created_at,
  createdBy: row.created_by,
  revokedAt: row.revoked_at,
  seq: row.seq,
});

/**
 * The one mapping from SQLite to the key record (KeyAuthRecord, its fields checked in
 * core/key-record.ts): what findByHash and the change feed hand out. The return type makes a
 * field added to the record a build error here until it is read from its column.
 */
export const toAuthRecord = ([id, family, ownerId, hash, scopes, status, expiresAt, seq]: AuthRowSql): KeyAuthRecord => ({
  id,
  family,
  ownerId,
  hash,
  scopes: parseScopes(scopes),
  status,
  expiresAt,
  seq,
});

export const toOrganization = (row: OrganizationSql): Organization => ({
  id: row.id,
  agency: row.agency === 1,
  createdAt: row.created_at,
});
