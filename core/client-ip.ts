// The client address a request is judged by (per-key allowlists): the
// connection's peer, unless that peer is one of `server.trustedProxies`, in
// which case X-Forwarded-For says who connected to it. Each proxy appends the
// address it saw, so the list is read from the right: the first entry not
// written about a trusted proxy is the client; anything left of it is
// whatever the client chose to send and is never read.
//
// Strict entries: an X-Forwarded-For entry must be a bare IPv4 or IPv6
// address. One that is not (`unknown`, `1.2.3.4:5678`, `[::1]:80`, garbage) is
// taken as the client as written, so it matches no allowlist entry; skipping
// past it would let whatever stands to its left, which the client may have
// written, decide. Load balancers that append ports must be configured not to.
import { isIpAddress, parseIpList, type AddressMatcher } from './ip-allowlist.js';
import type { Result } from './result.js';

/** Most entries `server.trustedProxies` may hold: each request checks them in turn. */
export const MAX_TRUSTED_PROXIES = 1000;

/**
 * The client address, as written (the peer as Node gives it, an
 * X-Forwarded-For entry without surrounding spaces and tabs); `undefined` only
 * when the peer is (a closed socket). Rules: an untrusted peer is the client
 * and X-Forwarded-For is ignored; from a trusted peer, the right-most entry
 * over all X-Forwarded-For fields in order that is not a trusted proxy, or
 * is not an address; when every entry is trusted, the left-most; with no
 * entries, the peer. Empty list elements (`a,,b`) are skipped. Build
 * `trustedProxies` with `compileAllowlist` over `parseTrustedProxies`' list.
 */
export function clientIp(
  peerAddress: string | undefined,
  xForwardedFor: string | readonly string[] | undefined,
  trustedProxies: AddressMatcher,
): string | undefined {
  if (peerAddress === undefined || !trustedProxies(peerAddress) || xForwardedFor === undefined) return peerAddress;
  const fields = typeof xForwardedFor === 'string' ? [xForwardedFor] : xForwardedFor;
  let leftmost: string | undefined;
  for (let f = fields.length - 1; f >= 0; f--) {
    const field = fields[f] ?? '';
    let end = field.length;
    while (end >= 0) {
      const comma = end === 0 ? -1 : field.lastIndexOf(',', end - 1);
      const entry = trimOws(field, comma + 1, end);
      end = comma;
      if (entry === '') continue;
      if (!isIpAddress(entry) || !trustedProxies(entry)) return entry;
      leftmost = entry;
    }
  }
  return leftmost ?? peerAddress;
}

const isOws = (c: number): boolean => c === 0x20 || c === 0x09;

/** `text[start, end)` without leading and trailing spaces and tabs (HTTP's OWS). */
function trimOws(text: string, start: number, end: number): string {
  while (start < end && isOws(text.charCodeAt(start))) start++;
  while (end > start && isOws(text.charCodeAt(end - 1))) end--;
  return text.slice(start, end);
}

/** `server.trustedProxies`: addresses and CIDRs as for `allowedIps`, normalized; absent or null is the empty list. */
export function parseTrustedProxies(value: unknown): Result<{ trustedProxies: string[] }> {
  if (value === undefined || value === null) return { ok: true, trustedProxies: [] };
  const parsed = parseIpList('server.trustedProxies', value, { min: 0, max: MAX_TRUSTED_PROXIES });
  return parsed.ok ? { ok: true, trustedProxies: parsed.entries } : parsed;
}
