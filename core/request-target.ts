// Canonicalize or reject: the one function that decides whether a request
// target is safe to route. If the gateway and an upstream could read a target
// differently (dot segments, encoded slashes, `;` path parameters, backslashes,
// double-decoding, a fullwidth `／` that NFKC turns into `/`...), the request is
// refused rather than "fixed", because a repaired path is how gateways get
// bypassed. What is accepted is forwarded exactly as matched (percent-escapes
// upper-cased), so what was authorized is what the upstream serves.
import type { Result } from './result.js';

export interface CanonicalTarget {
  /** The path, starting with `/`, percent-escapes in upper case. */
  readonly path: string;
  /** The query including its leading `?`, or the empty string. */
  readonly query: string;
}

export type TargetResult = Result<{ target: CanonicalTarget }, { reason: string }>;

// Character classes by code point (ASCII only; everything else must be escaped).
// The path class is RFC 3986 pchar without `;` (path parameters), plus the `/` separator.
const PATH_CHAR = new Uint8Array(128);
for (const ch of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~' + "!$&'()*+,=:@/") {
  PATH_CHAR[ch.charCodeAt(0)] = 1;
}
// The query does not take part in routing, so it also admits the characters clients commonly send
// unescaped (`filter[a]=1`, `a|b`); it still refuses `#`, quotes, `<>`, `\\`, spaces and controls.
const QUERY_CHAR = PATH_CHAR.slice();
for (const ch of '?;[]{}|^') QUERY_CHAR[ch.charCodeAt(0)] = 1;

/** Bytes that must never appear percent-encoded in a path: each changes its meaning downstream. */
const FORBIDDEN_ESCAPE = new Set([0x00, 0x2f /* / */, 0x5c /* \ */, 0x2e /* . */, 0x25 /* % */, 0x3b /* ; */]);

const hexValue = (code: number): number => {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  const lower = code | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return -1;
};

const isUnreserved = (byte: number): boolean =>
  (byte >= 0x41 && byte <= 0x5a) ||
  (byte >= 0x61 && byte <= 0x7a) ||
  (byte >= 0x30 && byte <= 0x39) ||
  byte === 0x2d ||
  byte === 0x5f ||
  byte === 0x7e;

const fail = (reason: string): TargetResult => ({ ok: false, reason });

/**
 * What an upstream that applies Unicode compatibility normalization (NFKC, as application code,
 * some frameworks and WAFs do to "clean" input) after decoding would read as a delimiter.
 * `．．／` (U+FF0E U+FF0E U+FF0F) becomes `../`, `％` (U+FF05) a new escape, `＼` (U+FF3C) a
 * backslash, `；` `？` `＃` a path parameter, query or fragment.
 */
const NFKC_DELIMITER = new Uint8Array(128);
for (const ch of './\\%;?#') NFKC_DELIMITER[ch.charCodeAt(0)] = 1;

function countDelimiters(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 128 && NFKC_DELIMITER[code] === 1) count++;
  }
  return count;
}

/**
 * True when NFKC turns a decoded non-ASCII character into one of the delimiters. ASCII is
 * NFKC-stable and no composition consumes a delimiter, so NFKC adds delimiters exactly when
 * some compatibility character maps onto one: comparing counts is enough, and one normalize()
 * call covers the whole part (only parts with non-ASCII escapes pay for it).
 */
function normalizesToDelimiter(decoded: string): boolean {
  const normalized = decoded.normalize('NFKC');
  return normalized !== decoded && countDelimiters(normalized) > countDelimiters(decoded);
}

const lenientUtf8 = new TextDecoder('utf-8', { fatal: false });

/**
 * Percent-decode the way a lenient upstream does: the query may carry escapes that are not UTF-8
 * (it does not take part in routing), and those become U+FFFD, never a delimiter. For a part
 * canonicalizeTarget accepted (escapes well-formed, every other character ASCII); `+` is left as is.
 */
export function decodeLenient(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    const bytes = new Uint8Array(part.length);
    let length = 0;
    for (let i = 0; i < part.length; i++) {
      const code = part.charCodeAt(i);
      if (code === 0x25) {
        bytes[length++] = hexValue(part.charCodeAt(i + 1)) * 16 + hexValue(part.charCodeAt(i + 2));
        i += 2;
      } else {
        bytes[length++] = code;
      }
    }
    return lenientUtf8.decode(bytes.subarray(0, length));
  }
}

/** Scan `part` for legal characters and escapes; returns it with escapes upper-cased, or a reason. */
function scan(part: string, allowed: Uint8Array, inPath: boolean): string | { reason: string } {
  let needsUpper = false;
  let nonAscii = false;
  for (let i = 0; i < part.length; i++) {
    const code = part.charCodeAt(i);
    if (code === 0x25) {
      const high = hexValue(part.charCodeAt(i + 1));
      const low = hexValue(part.charCodeAt(i + 2));
      if (high < 0 || low < 0) return { reason: 'invalid percent-encoding' };
      const byte = high * 16 + low;
      if (byte < 0x20 || byte === 0x7f) return { reason: 'encoded control character' };
      if (inPath && FORBIDDEN_ESCAPE.has(byte)) return { reason: 'encoded delimiter in path' };
      if (inPath && isUnreserved(byte)) return { reason: 'needlessly encoded character in path' };
      if (byte >= 0x80) nonAscii = true;
      if (part.charCodeAt(i + 1) > 0x60 || part.charCodeAt(i + 2) > 0x60) needsUpper = true;
      i += 2;
      continue;
    }
    if (code >= 128 || allowed[code] !== 1) {
      return { reason: code === 0x3b ? 'path parameters (;) are not allowed' : 'illegal character' };
    }
  }
  if (nonAscii) {
    // Escaped bytes in the path must spell valid UTF-8. Overlong forms (`%C0%AE`
    // for `.`, `%C0%AF` for `/`) are decoded as the ASCII character by some
    // servers, and invalid bytes become U+FFFD in others, so two distinct paths
    // would reach the upstream as one. decodeURIComponent throws on exactly these
    // (ECMA-262 requires strict UTF-8); the escapes left here are all non-delimiters.
    let decoded: string;
    if (inPath) {
      try {
        decoded = decodeURIComponent(part);
      } catch {
        return { reason: 'percent-encoded bytes are not valid UTF-8' };
      }
    } else {
      decoded = decodeLenient(part);
    }
    if (normalizesToDelimiter(decoded)) return { reason: 'encoded compatibility form of a delimiter (NFKC)' };
  }
  return needsUpper ? part.replace(/%[0-9a-fA-F]{2}/g, (escape) => escape.toUpperCase()) : part;
}

/**
 * Accept only origin-form targets (`/path?query`) with no dot or empty
 * segments, no fragment, and no escape an upstream could decode into a
 * different path: in the path or the query, no escaped character whose NFKC
 * form holds `.` `/` `\` `%` `;` `?` `#` (`%EF%BC%8F`, fullwidth `／`).
 * Pure; safe to call with any string a client sent.
 */
export function canonicalizeTarget(rawTarget: string | undefined): TargetResult {
  if (!rawTarget || rawTarget.charCodeAt(0) !== 0x2f) return fail('request target must be origin-form (start with /)');
  if (rawTarget.length > 1 && rawTarget.charCodeAt(1) === 0x2f) return fail('empty path segment');
  const queryAt = rawTarget.indexOf('?');
  const rawPath = queryAt === -1 ? rawTarget : rawTarget.slice(0, queryAt);
  const rawQuery = queryAt === -1 ? '' : rawTarget.slice(queryAt);

  const path = scan(rawPath, PATH_CHAR, true);
  if (typeof path !== 'string') return fail(path.reason);
  if (path.length > 1) {
    // Segment checks: no empty segment (including a trailing slash), and no segment made only of
    // dots: `.` and `..` are dot segments, and servers that trim trailing dots (Windows-style) read
    // `...` as one too.
    let start = 1;
    let dotsOnly = true;
    for (let i = 1; i <= path.length; i++) {
      const code = i === path.length ? 0x2f : path.charCodeAt(i);
      if (code === 0x2f) {
        if (i === start) return fail('empty path segment');
        if (dotsOnly) return fail('dot segment in path');
        start = i + 1;
        dotsOnly = true;
      } else if (code !== 0x2e) {
        dotsOnly = false;
      }
    }
  }
  if (rawQuery === '') return { ok: true, target: { path, query: '' } };
  const query = scan(rawQuery.slice(1), QUERY_CHAR, false);
  if (typeof query !== 'string') return fail(`${query.reason} in the query`);
  return { ok: true, target: { path, query: query === '' ? '' : `?${query}` } };
}
