// Keys for tests, created directly through the store (as the CLI would).
import { FAMILIES, type KeyFamily } from '../../core/keys.js';
import type { QuotaSpec, RateLimitSpec } from '../../core/rate-limits.js';
import type { Scope } from '../../core/scopes.js';
import type { KeyStore } from '../../admin/store/key-store.js';

export interface TestKeyOptions {
  /** Organization id (an org key) ... */
  org?: string;
  /** ... or partner id (a partner key). */
  partner?: string;
  /** Default: read, write, admin. */
  scopes?: Scope[];
  /** Register the organization as an agency first. */
  agency?: boolean;
  expiresAt?: number | null;
  name?: string;
  /** Addresses and CIDRs the key may be used from, normalized as the API stores them; default null (any). */
  allowedIps?: string[] | null;
  /** The key's own windows and quota (record form), as the API stores them; default null (the policy's). */
  rateLimits?: RateLimitSpec[] | null;
  quota?: QuotaSpec | null;
}

export interface TestKey {
  id: string;
  family: KeyFamily;
  ownerId: string;
  plainKey: string;
  /** The header that carries this key, ready to send. */
  headers: Record<string, string>;
}

export function createTestKey(store: KeyStore, options: TestKeyOptions): TestKey {
  const family: KeyFamily = options.partner !== undefined ? 'partner' : 'org';
  const ownerId = options.partner ?? options.org ?? 'org-a';
  if (family === 'org' && options.agency) store.addOrganization(ownerId, true);
  const created = store.createKey({
    family,
    ownerId,
    name: options.name ?? 'test key',
    scopes: options.scopes ?? ['read', 'write', 'admin'],
    expiresAt: options.expiresAt ?? null,
    allowedIps: options.allowedIps ?? null,
    rateLimits: options.rateLimits ?? null,
    quota: options.quota ?? null,
    createdBy: 'test',
    registerOrganization: true,
  });
  if (!created.ok) throw new Error(`test key not created: ${created.reason}`);
  return {
    id: created.key.id,
    family,
    ownerId,
    plainKey: created.plainKey,
    headers: { [FAMILIES[family].header]: created.plainKey },
  };
}
