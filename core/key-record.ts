// The key record: its type, declared once, and its one field table. The
// table holds one checker per field of the type, and the compiler holds the
// two together: a field added to the type and not here (or
// here with a checker of another type) does not build. Everything that must
// know the record's fields reads them from here: the change-feed page parser
// (core/change-feed.ts) checks each record against it.
import { parseAllowedIps } from './ip-allowlist.js';
import { FAMILIES, type KeyFamily } from './keys.js';
import { quotaProblems, windowListProblems, windowProblems, type QuotaSpec, type RateLimitSpec } from './rate-limits.js';
import { isScope, type Scope } from './scopes.js';

/** What authentication needs to know about a key: no name, no secret, only the hash. */
export interface KeyAuthRecord {
  readonly id: string;
  readonly family: KeyFamily;
  /** organizationId for org keys, partnerId for partner keys. */
  readonly ownerId: string;
  readonly hash: string;
  readonly scopes: readonly Scope[];
  readonly status: 'active' | 'revoked';
  /** Epoch milliseconds, or null for a key that never expires. */
  readonly expiresAt: number | null;
  /** The change-feed sequence number of this version of the record. */
  readonly seq: number;
  /** The addresses and CIDRs (normalized, core/ip-allowlist.ts) the key may be used from; null: any address. */
  readonly allowedIps: readonly string[] | null;
  /** The key's own windows, replacing the policy's defaults.rateLimit; null: the policy's. */
  readonly rateLimits: readonly RateLimitSpec[] | null;
  /** The key's own quota, replacing the policy's defaults.quota; null: the policy's. */
  readonly quota: QuotaSpec | null;
}

/** A check of one field's value that also tells the compiler the field's type. */
type FieldCheck<T> = (value: unknown) => value is T;

const isNonEmptyString = (value: unknown): value is string => typeof value === 'string' && value.length > 0;
/** A whole number from 0 up: epoch milliseconds and change sequence numbers alike. */
export const isCount = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;
/** SHA-256 in hex. Its alphabet is not checked: a wrong one can equal no computed digest, so it never authenticates. */
const SHA256_HEX_LENGTH = 64;

/** Every field of the record, with what its value must be. Field order is the record's order. */
export const KEY_RECORD_FIELDS: { readonly [K in keyof KeyAuthRecord]-?: FieldCheck<KeyAuthRecord[K]> } = Object.freeze({
  id: isNonEmptyString,
  family: (value: unknown): value is KeyFamily => typeof value === 'string' && Object.hasOwn(FAMILIES, value),
  ownerId: isNonEmptyString,
  hash: (value: unknown): value is string => typeof value === 'string' && value.length === SHA256_HEX_LENGTH,
  scopes: (value: unknown): value is readonly Scope[] => Array.isArray(value) && value.every(isScope),
  status: (value: unknown): value is KeyAuthRecord['status'] => value === 'active' || value === 'revoked',
  expiresAt: (value: unknown): value is number | null => value === null || isCount(value),
  seq: (value: unknown): value is number => isCount(value) && value > 0,
  // Parsed as the API parses it, and it must come out as it went in: the store writes only normalized lists.
  allowedIps: (value: unknown): value is readonly string[] | null => isNormalizedAllowlist(value),
  rateLimits: (value: unknown): value is readonly RateLimitSpec[] | null => value === null || isWindowList(value),
  quota: (value: unknown): value is QuotaSpec | null => value === null || isQuota(value),
});

/** An object with exactly these members. */
const hasExactly = (value: unknown, names: readonly string[]): value is Record<string, unknown> =>
  typeof value === 'object' &&
  value !== null &&
  !Array.isArray(value) &&
  Object.keys(value).length === names.length &&
  names.every((name) => Object.hasOwn(value, name));

function isWindowList(value: unknown): boolean {
  if (!Array.isArray(value)) return false;
  const windows = value as unknown[];
  const valid = windows.every(
    (window) => hasExactly(window, ['requests', 'perMs']) && windowProblems(window.requests, window.perMs).length === 0,
  );
  return valid && windowListProblems(windows as RateLimitSpec[]).length === 0;
}

const isQuota = (value: unknown): boolean =>
  hasExactly(value, ['limit', 'period']) && quotaProblems(value.limit, value.period).length === 0;

function isNormalizedAllowlist(value: unknown): boolean {
  if (value === null) return true;
  const parsed = parseAllowedIps(value);
  return parsed.ok && parsed.allowedIps !== null && parsed.allowedIps.every((entry, i) => entry === (value as unknown[])[i]);
}

const FIELD_NAMES = Object.freeze(Object.keys(KEY_RECORD_FIELDS) as (keyof KeyAuthRecord)[]);

/**
 * Why `value` is not a key record: a field missing or of the wrong type, or a member the record
 * does not have (a record with more than it should is not trusted either); undefined when it is one.
 */
export function keyRecordProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'is not an object';
  const record = value as Record<string, unknown>;
  let members = 0;
  for (const name in record) {
    if (!Object.hasOwn(KEY_RECORD_FIELDS, name)) return `has an unknown member "${name.slice(0, 40)}"`;
    members += 1;
  }
  if (members !== FIELD_NAMES.length) {
    const missing = FIELD_NAMES.find((name) => !Object.hasOwn(record, name));
    return `lacks "${missing ?? '?'}"`;
  }
  for (const name of FIELD_NAMES) {
    if (!KEY_RECORD_FIELDS[name](record[name])) return `has an invalid "${name}"`;
  }
  return undefined;
}
