// The Host header's one accepted shape, `host[:port]`, as a pure check. Host
// is forwarded as X-Forwarded-Host, and upstreams build links and redirects
// from it, so anything they could parse differently is refused.
import { isIPv6 } from 'node:net';

// RFC 3986 unreserved characters. A reg-name may also hold sub-delims and escapes, but `,` and `;`
// split X-Forwarded-Host and Forwarded lists in upstream parsers and `%` invites a second decoding;
// no DNS name or IP literal needs them.
const HOST_CHAR = new Uint8Array(128);
for (const ch of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~') HOST_CHAR[ch.charCodeAt(0)] = 1;

export const isDigit = (code: number): boolean => code >= 0x30 && code <= 0x39;
const isHexDigit = (code: number): boolean => isDigit(code) || ((code | 0x20) >= 0x61 && (code | 0x20) <= 0x66);

/**
 * `host[:port]`: a reg-name of unreserved characters in non-empty labels (one trailing dot, as in
 * a fully qualified name, allowed), a dotted-quad IPv4 address, or a bracketed IPv6 address
 * without zone; the port 1-65535 without leading zeros. A name whose last label is
 * a number (`0x7f.1`, `127.1`, `1.2.3.999`) must be a strict dotted quad: WHATWG URL parsers read
 * such names as IPv4 in octal, hex or shorthand, so they would name another host than they spell.
 */
export function isValidHost(value: string): boolean {
  let colon: number;
  if (value.charCodeAt(0) === 0x5b /* [ */) {
    const close = value.indexOf(']');
    if (close === -1) return false;
    const address = value.slice(1, close);
    // No zone identifier (RFC 6874's `%25` is for URIs a client resolves, not for Host) and no IPvFuture.
    if (address.includes('%') || !isIPv6(address)) return false;
    if (close + 1 === value.length) return true;
    colon = close + 1;
    if (value.charCodeAt(colon) !== 0x3a) return false;
  } else {
    let end = value.length;
    let lastDot = -1;
    for (let i = 0; i < value.length; i++) {
      const code = value.charCodeAt(i);
      if (code === 0x3a) {
        end = i;
        break;
      }
      if (code >= 128 || HOST_CHAR[code] !== 1) return false;
      if (code === 0x2e) {
        if (i === lastDot + 1) return false; // an empty label: a leading dot or `..`
        lastDot = i;
      }
    }
    if (end === 0) return false;
    if (endsInNumber(value, lastDot, end) && !isDottedQuad(value, end)) return false;
    if (end === value.length) return true;
    colon = end;
  }
  return isPort(value, colon + 1);
}

/** WHATWG URL's "ends in a number": the last label (a trailing dot ignored) is decimal, or 0x-hex. */
function endsInNumber(value: string, lastDot: number, end: number): boolean {
  let labelEnd = end;
  let labelStart = lastDot + 1;
  if (lastDot === end - 1 && end > 1) {
    labelEnd = end - 1;
    labelStart = value.lastIndexOf('.', labelEnd - 1) + 1;
  }
  if (labelStart >= labelEnd) return false;
  let i = labelStart;
  let digit = isDigit;
  if (labelEnd - labelStart >= 2 && value.charCodeAt(i) === 0x30 && (value.charCodeAt(i + 1) | 0x20) === 0x78) {
    i += 2;
    digit = isHexDigit;
  }
  for (; i < labelEnd; i++) if (!digit(value.charCodeAt(i))) return false;
  return true;
}

/** Exactly four decimal octets 0-255, no leading zeros, over value[0, end). */
function isDottedQuad(value: string, end: number): boolean {
  let parts = 0;
  let start = 0;
  for (let i = 0; i <= end; i++) {
    if (i < end && value.charCodeAt(i) !== 0x2e) {
      if (!isDigit(value.charCodeAt(i))) return false;
      continue;
    }
    const length = i - start;
    if (length === 0 || length > 3 || (length > 1 && value.charCodeAt(start) === 0x30)) return false;
    if (Number(value.slice(start, i)) > 255) return false;
    parts++;
    start = i + 1;
  }
  return parts === 4;
}

/** 1-65535 in decimal, no leading zero, running to the end of value. */
function isPort(value: string, from: number): boolean {
  const length = value.length - from;
  if (length < 1 || length > 5 || value.charCodeAt(from) === 0x30) return false;
  let port = 0;
  for (let i = from; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (!isDigit(code)) return false;
    port = port * 10 + (code - 0x30);
  }
  return port <= 65535;
}
