// What the upstream is told. Forward what was authorized: the client's
// headers minus anything hop-by-hop, anything claiming an identity, a hop, an
// address or a path (claim-headers.ts, the one list; credential headers too
// unless the upstream re-checks keys), then the identity the gateway computed.
// Pure functions over Node's flat rawHeaders arrays, so order and duplicates survive.
import type { IncomingMessage } from 'node:http';
import type { KeyAuthRecord } from '../../core/key-record.js';
import { expandScopes, type Scope } from '../../core/scopes.js';
import { CREDENTIAL_HEADERS, fieldKey, isClaimHeader } from './claim-headers.js';

/** RFC 9110 §7.6.1 connection-specific fields, plus the legacy ones proxies must drop. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  // undici refuses `expect`; Node already answered 100-continue to the client.
  'expect',
  // The upstream's host comes from its origin; the client's is sent as X-Forwarded-Host.
  'host',
]);

/** A lower-case field name that applies to one hop only and is never relayed. */
export const isHopByHop = (lowerName: string): boolean => HOP_BY_HOP.has(lowerName);

export interface ForwardIdentity {
  key: KeyAuthRecord | undefined;
  requestId: string;
  /** X-Forwarded-For: the peer, or behind a trusted proxy the chain from the client to it (core/request-client.ts). */
  forwardedFor: string;
  protocol: 'http' | 'https';
  host: string | undefined;
}

/** Expanded scope lists by list identity: the replica shares one list between all keys with the same scopes. */
const scopesHeaderCache = new WeakMap<readonly Scope[], string>();
function scopesHeader(scopes: readonly Scope[]): string {
  let value = scopesHeaderCache.get(scopes);
  if (value === undefined) scopesHeaderCache.set(scopes, (value = expandScopes(scopes).join(' ')));
  return value;
}

/**
 * The identity of an admitted request, as the upstream is told it: from the connection and the
 * gateway's own checks, never from what the client claimed (`forwardedFor` is admission's).
 */
export function identityOf(req: IncomingMessage, key: KeyAuthRecord | undefined, requestId: string, forwardedFor: string): ForwardIdentity {
  return {
    key,
    requestId,
    forwardedFor,
    protocol: 'encrypted' in req.socket && req.socket.encrypted ? 'https' : 'http',
    host: req.headers.host,
  };
}

/** Names listed in the Connection header(s): they are hop-by-hop for this message (as `fieldKey` spells them). */
export function connectionListed(rawHeaders: readonly string[]): Set<string> | undefined {
  let listed: Set<string> | undefined;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if ((rawHeaders[i] as string).toLowerCase() !== 'connection') continue;
    for (const token of (rawHeaders[i + 1] as string).split(',')) {
      const name = fieldKey(token.trim());
      if (name) (listed ??= new Set()).add(name);
    }
  }
  return listed;
}

/** Request headers for the upstream as a flat [name, value, ...] array. */
export function upstreamRequestHeaders(rawHeaders: readonly string[], identity: ForwardIdentity, forwardKey: boolean): string[] {
  const listed = connectionListed(rawHeaders);
  // The computed identity goes first: an upstream that keeps only its first N header fields (Node
  // exposes about 1000) must lose the client's padding, never the identity appended after it.
  const out: string[] = ['x-request-id', identity.requestId];
  out.push('x-forwarded-for', identity.forwardedFor, 'x-forwarded-proto', identity.protocol);
  if (identity.host !== undefined) out.push('x-forwarded-host', identity.host);
  const key = identity.key;
  if (key) {
    out.push('x-bullseye-key-id', key.id);
    out.push(key.family === 'org' ? 'x-bullseye-organization-id' : 'x-bullseye-partner-id', key.ownerId);
    out.push('x-bullseye-scopes', scopesHeader(key.scopes));
  }
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] as string;
    // CGI-style servers (PHP, Rack, WSGI) read `X_Bullseye_Organization_Id` as `X-Bullseye-Organization-Id`:
    // classify with `_` read as `-`, so no spelling of a claim gets through.
    const field = fieldKey(name);
    if (listed?.has(field) || HOP_BY_HOP.has(field) || isClaimHeader(field)) continue;
    if (!forwardKey && CREDENTIAL_HEADERS.has(field)) continue;
    out.push(name, rawHeaders[i + 1] as string);
  }
  return out;
}

/** Response headers for the client: the upstream's, minus hop-by-hop ones and any named in Connection. */
export function clientResponseHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string | string[]> {
  const connection = headers.connection;
  const listed =
    connection === undefined
      ? undefined
      : String(connection)
          .toLowerCase()
          .split(',')
          .map((t) => t.trim());
  const out: Record<string, string | string[]> = {};
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined || HOP_BY_HOP.has(name) || listed?.includes(name)) continue;
    out[name] = value;
  }
  return out;
}
