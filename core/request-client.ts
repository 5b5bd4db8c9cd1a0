// The client of a request, as both planes judge it: per-key allowlists, the
// failed-authentication guard, the admin's audit log and what an upstream is
// told all use this one address. It is the connection's peer unless that peer
// is one of `server.trustedProxies` (core/client-ip.ts has the rules).
import { clientIp } from './client-ip.js';
import { compileAllowlist } from './ip-allowlist.js';

/** What is read of a request: its peer and, behind a trusted proxy only, X-Forwarded-For. */
export interface PeerRequest {
  readonly socket: { readonly remoteAddress?: string | undefined };
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

/** The client address of a request; undefined only when the socket is already closed. */
export type ClientAddressOf = (req: PeerRequest) => string | undefined;

/**
 * Build once per listener, from `server.trustedProxies` (normalized, parseTrustedProxies). With no
 * trusted proxy, the default, X-Forwarded-For is never read (nor Node's lazy `headers` built).
 */
export function clientAddressResolver(trustedProxies: readonly string[]): ClientAddressOf {
  if (trustedProxies.length === 0) return (req) => req.socket.remoteAddress;
  const trusted = compileAllowlist(trustedProxies);
  return (req) => clientIp(req.socket.remoteAddress, req.headers['x-forwarded-for'], trusted);
}

/**
 * X-Forwarded-For for the next hop: the peer, or, when `clientAddress` came from X-Forwarded-For
 * (a trusted peer), the chain from that entry rightwards, then the peer. Each entry of it was
 * written by a trusted proxy; whatever the client wrote left of its own address is dropped, so an
 * upstream that reads the left-most entry reads the client the gateway judged.
 */
export function forwardedFor(req: PeerRequest, clientAddress: string | undefined): string {
  const peer = req.socket.remoteAddress ?? '';
  if (clientAddress === undefined || clientAddress === peer) return peer;
  const header = req.headers['x-forwarded-for'];
  const entries = (typeof header === 'string' ? [header] : (header ?? []))
    .flatMap((field) => field.split(','))
    .map((entry) => entry.replace(/^[ \t]+|[ \t]+$/g, ''))
    .filter((entry) => entry !== '');
  const from = entries.lastIndexOf(clientAddress);
  return [...(from < 0 ? [clientAddress] : entries.slice(from)), peer].join(', ');
}
