// API key format and hashing, shared by both planes.
// A key is `<prefix><32 lowercase hex>`; the random part carries 128 bits.
// Only its SHA-256 is ever stored or compared.
import { hash, randomBytes } from 'node:crypto';

export type KeyFamily = 'org' | 'partner';

export interface FamilySpec {
  readonly family: KeyFamily;
  /** The request header that carries this family's keys (lower case, as Node exposes it). */
  readonly header: 'x-api-key' | 'x-partner-api-key';
  /** The header as the docs spell it, for messages. */
  readonly headerName: 'X-API-Key' | 'X-Partner-API-Key';
  readonly prefix: 'bsk_live_' | 'pk_live_';
}

export const FAMILIES: Readonly<Record<KeyFamily, FamilySpec>> = Object.freeze({
  org: Object.freeze({ family: 'org', header: 'x-api-key', headerName: 'X-API-Key', prefix: 'bsk_live_' }),
  partner: Object.freeze({
    family: 'partner',
    header: 'x-partner-api-key',
    headerName: 'X-Partner-API-Key',
    prefix: 'pk_live_',
  }),
});

export const RANDOM_HEX_LENGTH = 32;
/** Characters of the random part shown in `keyPrefix` (e.g. `bsk_live_a1b2`). */
export const VISIBLE_RANDOM_CHARS = 4;

const HEX_LOWER = /^[0-9a-f]+$/;

/**
 * True when `value` is a well-formed key of `family`. A pure string check, run
 * before any hashing so that a flood of junk costs next to nothing.
 */
export function isWellFormedKey(value: string, family: KeyFamily): boolean {
  const { prefix } = FAMILIES[family];
  return value.length === prefix.length + RANDOM_HEX_LENGTH && value.startsWith(prefix) && HEX_LOWER.test(value.slice(prefix.length));
}

export function generateKey(family: KeyFamily): string {
  return FAMILIES[family].prefix + randomBytes(RANDOM_HEX_LENGTH / 2).toString('hex');
}

/**
 * SHA-256 of the whole key, hex. 128 random bits need no salt or slow hash.
 * The one-shot crypto.hash (Node 20.12+) skips the Hash object that
 * createHash() builds: about a microsecond less on every gateway request.
 */
export function hashKey(plainKey: string): string {
  return hash('sha256', plainKey, 'hex');
}

/** The public, non-secret identifier shown in listings: prefix + 4 random chars. */
export function keyPrefixOf(plainKey: string, family: KeyFamily): string {
  return plainKey.slice(0, FAMILIES[family].prefix.length + VISIBLE_RANDOM_CHARS);
}
