// Per-key IP allowlists: the pure parts. `parseAllowedIps` checks and
// normalizes what an admin sends; `compileAllowlist` turns stored entries into
// a matcher the gateway builds once per key record and calls per request.
//
// Normal form (what is stored and shown), one text per network:
// - IPv4: dotted quad, decimal, no leading zeros (`10.0.0.1`).
// - IPv6: RFC 5952 (lower case, no leading zeros in a group, the longest run
//   of two or more zero groups as `::`, the first such run on a tie; no dotted
//   tail).
// - A prefix is kept only when shorter than the full length (`10.0.0.1/32` is
//   `10.0.0.1`); host bits are cleared (`10.1.2.3/8` is `10.0.0.0/8`).
// - IPv4-mapped IPv6 (`::ffff:1.2.3.4`, `::ffff:1.2.3.0/120`) is its IPv4 form
//   (`1.2.3.4`, `1.2.3.0/24`).
// The IPv4 and IPv6 spaces are matched separately: an IPv4 client, plain or
// mapped, matches only IPv4 entries, so `::/0` admits every IPv6 client and no
// IPv4 one (an allowlist never admits more than it reads as).
//
// Refused, each entry named: non-strings, empty strings, whitespace, hostnames,
// ports, zone ids (`fe80::1%eth0`: a zone names an interface of one host, not a
// network), IPv4 octets with leading zeros (`010` is octal to some parsers),
// prefixes that are out of range, signed or have leading zeros (`/08`), and two
// entries with the same normal form.
//
// Hand-parsed rather than node:net's BlockList: BlockList lets IPv6 rules
// admit IPv4 clients (`::/0` admits `1.2.3.4`), and every check crosses into
// native code; here the plain IPv4 check allocates nothing.
import type { Result } from './result.js';

/** Most entries one key may hold. */
export const MAX_ALLOWED_IPS = 100;

/** True when the address (as `socket.remoteAddress` gives it) is inside the list. */
export type AddressMatcher = (address: string) => boolean;

type Entry =
  | { readonly v4: true; readonly net: number; readonly prefix: number }
  | { readonly v4: false; readonly groups: Uint16Array; readonly prefix: number };

const DOT = 0x2e;
const COLON = 0x3a;
const ZERO = 0x30;
const NINE = 0x39;

/** `text[start, end)` as a strict dotted quad, or -1. Allocates nothing. */
function parseV4(text: string, start: number, end: number): number {
  let value = 0;
  let octets = 0;
  let i = start;
  while (octets < 4) {
    const first = i;
    let octet = 0;
    while (i < end && i - first < 4) {
      const c = text.charCodeAt(i);
      if (c < ZERO || c > NINE) break;
      octet = octet * 10 + (c - ZERO);
      i++;
    }
    const digits = i - first;
    if (digits === 0 || digits > 3 || octet > 255 || (digits > 1 && text.charCodeAt(first) === ZERO)) return -1;
    value = value * 256 + octet;
    octets++;
    if (octets < 4) {
      if (i >= end || text.charCodeAt(i) !== DOT) return -1;
      i++;
    }
  }
  return i === end ? value : -1;
}

const hexValue = (c: number): number =>
  c >= ZERO && c <= NINE ? c - ZERO : c >= 0x61 && c <= 0x66 ? c - 0x57 : c >= 0x41 && c <= 0x46 ? c - 0x37 : -1;

/** `text[start, end)` as IPv6 (optionally with a dotted tail) into `out`'s eight groups. Allocates nothing. */
function parseV6(text: string, start: number, end: number, out: Uint16Array): boolean {
  let count = 0;
  let gap = -1;
  let i = start;
  if (text.charCodeAt(i) === COLON) {
    if (text.charCodeAt(i + 1) !== COLON) return false;
    gap = 0;
    i += 2;
  }
  while (i < end) {
    let j = i;
    let group = 0;
    for (let h = 0; j < end && j - i < 5 && (h = hexValue(text.charCodeAt(j))) >= 0; j++) group = group * 16 + h;
    if (j < end && text.charCodeAt(j) === DOT) {
      const v4 = count <= 6 ? parseV4(text, i, end) : -1;
      if (v4 < 0) return false;
      out[count++] = v4 >>> 16;
      out[count++] = v4 & 0xffff;
      break;
    }
    if (j === i || j - i > 4 || count === 8) return false;
    out[count++] = group;
    if (j === end) break;
    if (text.charCodeAt(j) !== COLON || j + 1 === end) return false;
    j++;
    if (text.charCodeAt(j) === COLON) {
      if (gap >= 0) return false;
      gap = count;
      j++;
    }
    i = j;
  }
  if (gap < 0) return count === 8;
  if (count === 8) return false;
  const tail = count - gap;
  for (let k = 1; k <= tail; k++) out[8 - k] = out[count - k] ?? 0;
  out.fill(0, gap, 8 - tail);
  return true;
}

/** `::ffff:0:0/96`, the IPv4-mapped block: its last 32 bits, or -1. */
function mappedV4(groups: Uint16Array): number {
  for (let k = 0; k < 5; k++) if (groups[k] !== 0) return -1;
  if (groups[5] !== 0xffff) return -1;
  return (groups[6] ?? 0) * 0x10000 + (groups[7] ?? 0);
}

const v4Mask = (prefix: number): number => (prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0);

/** Mask of group `k` (0–7) under an IPv6 prefix. */
const v6GroupMask = (prefix: number, k: number): number => {
  const bits = Math.min(16, Math.max(0, prefix - 16 * k));
  return bits === 0 ? 0 : (0xffff << (16 - bits)) & 0xffff;
};

const formatV4 = (value: number): string => `${value >>> 24}.${(value >>> 16) & 255}.${(value >>> 8) & 255}.${value & 255}`;

/** RFC 5952 text of eight groups. */
function formatV6(groups: Uint16Array): string {
  let bestStart = -1;
  let bestLength = 1;
  for (let k = 0; k < 8;) {
    if (groups[k] !== 0) {
      k++;
      continue;
    }
    let end = k;
    while (end < 8 && groups[end] === 0) end++;
    if (end - k > bestLength) [bestStart, bestLength] = [k, end - k];
    k = end;
  }
  const hex = (from: number, to: number) => Array.from(groups.subarray(from, to), (g) => g.toString(16)).join(':');
  return bestStart < 0 ? hex(0, 8) : `${hex(0, bestStart)}::${hex(bestStart + bestLength, 8)}`;
}

const PREFIX_SYNTAX = /^(?:0|[1-9][0-9]{0,2})$/;
const DOTTED_DIGITS = /^[0-9]+(?:\.[0-9]+){3}$/;

type EntryResult = Result<{ entry: Entry }, { reason: string }>;

/** One address or CIDR, checked, with host bits cleared and mapped IPv6 turned into IPv4. */
function parseEntry(text: string): EntryResult {
  if (text === '') return { ok: false, reason: 'empty string' };
  if (/\s/.test(text)) return { ok: false, reason: 'contains whitespace' };
  if (text.includes('%'))
    return { ok: false, reason: 'zone ids (%…) name an interface of one host, not a network; give the address without it' };
  const slash = text.indexOf('/');
  const addressEnd = slash < 0 ? text.length : slash;
  let prefix: number | undefined;
  if (slash >= 0) {
    const digits = text.slice(slash + 1);
    if (!PREFIX_SYNTAX.test(digits))
      return { ok: false, reason: 'the prefix length must be a decimal number without sign or leading zeros' };
    prefix = Number(digits);
  }
  if (!text.slice(0, addressEnd).includes(':')) {
    const value = parseV4(text, 0, addressEnd);
    if (value < 0) {
      const dotted = text.slice(0, addressEnd);
      if (DOTTED_DIGITS.test(dotted) && dotted.split('.').some((o) => o.length > 1 && o.startsWith('0')))
        return { ok: false, reason: 'IPv4 octets must not have leading zeros (some parsers read them as octal)' };
      return { ok: false, reason: 'not an IPv4 or IPv6 address or CIDR (hostnames and ports are not accepted)' };
    }
    if (prefix !== undefined && prefix > 32) return { ok: false, reason: `prefix length ${prefix} is out of range 0–32 for IPv4` };
    const length = prefix ?? 32;
    return { ok: true, entry: { v4: true, net: (value & v4Mask(length)) >>> 0, prefix: length } };
  }
  const groups = new Uint16Array(8);
  if (!parseV6(text, 0, addressEnd, groups))
    return { ok: false, reason: 'not an IPv4 or IPv6 address or CIDR (hostnames and ports are not accepted)' };
  if (prefix !== undefined && prefix > 128) return { ok: false, reason: `prefix length ${prefix} is out of range 0–128 for IPv6` };
  const length = prefix ?? 128;
  for (let k = 0; k < 8; k++) groups[k] = (groups[k] ?? 0) & v6GroupMask(length, k);
  const mapped = length >= 96 ? mappedV4(groups) : -1;
  if (mapped >= 0) return { ok: true, entry: { v4: true, net: mapped, prefix: length - 96 } };
  return { ok: true, entry: { v4: false, groups, prefix: length } };
}

function formatEntry(entry: Entry): string {
  if (entry.v4) return entry.prefix === 32 ? formatV4(entry.net) : `${formatV4(entry.net)}/${entry.prefix}`;
  return entry.prefix === 128 ? formatV6(entry.groups) : `${formatV6(entry.groups)}/${entry.prefix}`;
}

/** The normal form of one address or CIDR, or why it is not one. */
export function normalizeIpEntry(text: string): Result<{ normalized: string }, { reason: string }> {
  const parsed = parseEntry(text);
  return parsed.ok ? { ok: true, normalized: formatEntry(parsed.entry) } : parsed;
}

const shown = (value: string): string => JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);

const typeName = (value: unknown): string =>
  value === null || value === undefined
    ? String(value)
    : Array.isArray(value)
      ? 'an array'
      : typeof value === 'object'
        ? 'an object'
        : `a ${typeof value}`;

/**
 * Check and normalize a list of addresses and CIDRs for the field `field`;
 * the problem names every bad entry by index and (truncated) value. Shared by
 * `allowedIps` and `server.trustedProxies`, which differ only in their bounds.
 */
export function parseIpList(
  field: string,
  value: unknown,
  bounds: { readonly min: number; readonly max: number },
): Result<{ entries: string[] }> {
  if (!Array.isArray(value)) return { ok: false, problem: `${field} must be an array of IP addresses or CIDRs, not ${typeName(value)}` };
  if (value.length < bounds.min)
    return { ok: false, problem: `${field} must have at least ${bounds.min} entr${bounds.min === 1 ? 'y' : 'ies'}` };
  if (value.length > bounds.max) return { ok: false, problem: `${field} has ${value.length} entries; at most ${bounds.max} are allowed` };
  const entries: string[] = [];
  const firstIndex = new Map<string, number>();
  const faults: string[] = [];
  for (const [index, item] of (value as unknown[]).entries()) {
    if (typeof item !== 'string') {
      faults.push(`[${index}] is ${typeName(item)}, not a string`);
      continue;
    }
    const result = normalizeIpEntry(item);
    const earlier = result.ok ? firstIndex.get(result.normalized) : undefined;
    if (!result.ok) faults.push(`[${index}] ${shown(item)}: ${result.reason}`);
    else if (earlier !== undefined)
      faults.push(`[${index}] ${shown(item)} duplicates [${earlier}] ${shown(String(value[earlier]))} (both are ${result.normalized})`);
    else {
      firstIndex.set(result.normalized, index);
      entries.push(result.normalized);
    }
  }
  if (faults.length > 0)
    return {
      ok: false,
      problem: `${field} has ${faults.length === 1 ? 'an invalid entry' : `${faults.length} invalid entries`}: ${faults.join('; ')}`,
    };
  return { ok: true, entries };
}

/** A key's `allowedIps` as sent by an admin: `null` (any address) or 1–100 addresses/CIDRs, normalized, in the given order. */
export function parseAllowedIps(value: unknown): Result<{ allowedIps: string[] | null }> {
  if (value === null) return { ok: true, allowedIps: null };
  if (Array.isArray(value) && value.length === 0)
    return { ok: false, problem: 'allowedIps must not be empty; use null to allow any address' };
  const parsed = parseIpList('allowedIps', value, { min: 1, max: MAX_ALLOWED_IPS });
  return parsed.ok ? { ok: true, allowedIps: parsed.entries } : parsed;
}

// Scratch for the matcher: the process is single-threaded and a match never
// re-enters, so one buffer serves every call.
const scratch = new Uint16Array(8);

/** `address` as an IPv4 number (plain or mapped), -2 when it is IPv6 (parsed into `scratch`), -1 when it is neither. */
function readAddress(address: string): number {
  const colon = address.indexOf(':');
  if (colon < 0) return parseV4(address, 0, address.length);
  const zone = address.indexOf('%', colon);
  if (!parseV6(address, 0, zone < 0 ? address.length : zone, scratch)) return -1;
  const mapped = mappedV4(scratch);
  return mapped >= 0 ? mapped : -2;
}

/** True for an address Node could report as a peer (IPv4, IPv6, IPv4-mapped, IPv6 with a zone id); no CIDRs. */
export const isIpAddress = (address: string): boolean => readAddress(address) !== -1;

/**
 * A matcher over entries in any form `parseAllowedIps` accepts (normally its
 * output). Accepts peer addresses as `socket.remoteAddress` gives them: a
 * mapped address matches as its IPv4 form, a zone id is ignored, anything
 * unparsable matches nothing. An empty list matches nothing. Throws on an
 * entry that is not an address or CIDR: stored lists were checked on the way in.
 */
export function compileAllowlist(allowedIps: readonly string[]): AddressMatcher {
  const v4: number[] = [];
  const v6: Uint16Array[] = [];
  for (const text of allowedIps) {
    const parsed = parseEntry(text);
    if (!parsed.ok) throw new TypeError(`allowlist entry ${shown(text)}: ${parsed.reason}`);
    const { entry } = parsed;
    if (entry.v4) v4.push(entry.net, v4Mask(entry.prefix));
    else v6.push(Uint16Array.from({ length: 16 }, (_, k) => (k < 8 ? (entry.groups[k] ?? 0) : v6GroupMask(entry.prefix, k - 8))));
  }
  const v4Rules = Uint32Array.from(v4);
  return (address) => {
    const value = readAddress(address);
    if (value >= 0) {
      for (let r = 0; r < v4Rules.length; r += 2) if ((value & (v4Rules[r + 1] ?? 0)) >>> 0 === v4Rules[r]) return true;
      return false;
    }
    if (value === -1) return false;
    rules: for (const rule of v6) {
      for (let k = 0; k < 8; k++) if (((scratch[k] ?? 0) & (rule[k + 8] ?? 0)) !== rule[k]) continue rules;
      return true;
    }
    return false;
  };
}
