// The key object of the public contract: camelCase, ISO 8601 UTC timestamps
// with `Z`, `organizationId` or `partnerId` by family. Built field by field
// from a row that holds no hash, so neither a hash nor a plain key can slip in.
import type { ApiKeyRow, KeyStatus } from './store/rows.js';
import type { Scope } from '../core/scopes.js';
import { quotaToJson, rateLimitsToJson, type QuotaJson, type RateLimitJson } from './key-limits.js';

export interface ApiKeyJson {
  id: string;
  organizationId?: string;
  partnerId?: string;
  createdByUserId: string | null;
  name: string;
  keyPrefix: string;
  scopes: Scope[];
  status: KeyStatus;
  expiresAt: string | null;
  lastUsedAt: string | null;
  createdAt: string;
  /** Addresses and CIDRs the key may be used from; null: any. */
  allowedIps: string[] | null;
  /** The key's own windows, shortest first; null: the policy's. */
  rateLimits: RateLimitJson[] | null;
  /** The key's own calendar quota; null: the policy's. */
  quota: QuotaJson | null;
}

export const isoTime = (ms: number): string => new Date(ms).toISOString();
const isoOrNull = (ms: number | null): string | null => (ms === null ? null : isoTime(ms));

export function toApiKeyJson(row: ApiKeyRow): ApiKeyJson {
  return {
    id: row.id,
    ...(row.family === 'org' ? { organizationId: row.ownerId } : { partnerId: row.ownerId }),
    createdByUserId: row.createdBy,
    name: row.name,
    keyPrefix: row.keyPrefix,
    scopes: [...row.scopes],
    status: row.status,
    expiresAt: isoOrNull(row.expiresAt),
    lastUsedAt: isoOrNull(row.lastUsedAt),
    createdAt: isoTime(row.createdAt),
    allowedIps: row.allowedIps === null ? null : [...row.allowedIps],
    rateLimits: rateLimitsToJson(row.rateLimits),
    quota: quotaToJson(row.quota),
  };
}
