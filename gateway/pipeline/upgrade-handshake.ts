// WebSocket handshakes, both halves, as pure checks. A tunnel is a trust
// decision: after the protocol switch the gateway sees only bytes, so one is
// opened only on a route that asks for it (`websocket: true`), only for the
// websocket protocol (never h2c), only on a valid client handshake
// (RFC 6455 §4.1), and only once the upstream's answer proves it speaks
// WebSocket to this very handshake (Sec-WebSocket-Accept; RFC 6455 §4.2.2).
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { ApiError } from '../../core/errors.js';
import type { RouteRule } from './policy-view.js';

const WEBSOCKET_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
/** 16 bytes in base64: 22 characters, then `==` (RFC 6455 §4.1, item 7). */
const SEC_WEBSOCKET_KEY = /^[A-Za-z0-9+/]{21}[AQgw]==$/;

/** RFC 6455 §4.2.2: base64(SHA-1(key + GUID)). */
export const websocketAccept = (key: string): string =>
  createHash('sha1')
    .update(key + WEBSOCKET_GUID)
    .digest('base64');

/** The client expects another protocol after this request: whatever it sends next is not ours to parse. */
const refuse = (detail: string): ApiError => new ApiError('upgrade_not_allowed', detail, { headers: { connection: 'close' } });

/** Every value of `name` in a flat rawHeaders list (case-insensitive). */
function valuesOf(rawHeaders: readonly string[], name: string): string[] {
  const values: string[] = [];
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if ((rawHeaders[i] as string).toLowerCase() === name) values.push(rawHeaders[i + 1] as string);
  }
  return values;
}

/** Comma-separated tokens of every `name` header, trimmed and lower-cased. */
function tokensOf(rawHeaders: readonly string[], name: string): string[] {
  return valuesOf(rawHeaders, name)
    .flatMap((value) => value.split(',').map((token) => token.trim().toLowerCase()))
    .filter(Boolean);
}

/**
 * The client's half, before any key is hashed: no `Upgrade` (nor h2c's
 * `HTTP2-Settings`) on a route without `websocket: true`; on such a route, an
 * upgrade must be exactly a valid WebSocket opening handshake. A plain
 * request to a websocket route (no Upgrade header) is an ordinary request.
 */
export function screenUpgrade(req: IncomingMessage, route: RouteRule): ApiError | undefined {
  const raw = req.rawHeaders;
  // The common case, no upgrade at all: one pass, lower-casing only names of the right length.
  let upgrades = 0;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    if (name.length === 7 && name.toLowerCase() === 'upgrade') upgrades++;
    else if (name.length === 14 && name.toLowerCase() === 'http2-settings') return refuse('HTTP/2 upgrades (h2c) are not supported.');
  }
  if (upgrades === 0) return undefined;
  const upgrade = tokensOf(raw, 'upgrade');
  if (!route.websocket) return refuse('This route does not accept protocol upgrades.');
  if (upgrade.length !== 1 || upgrade[0] !== 'websocket') return refuse('Only the websocket protocol may be upgraded to.');
  if (req.method !== 'GET') return refuse('A WebSocket handshake must be a GET request.');
  if (!tokensOf(raw, 'connection').includes('upgrade')) return refuse('A WebSocket handshake needs Connection: Upgrade.');
  const keys = valuesOf(raw, 'sec-websocket-key');
  if (keys.length !== 1 || !SEC_WEBSOCKET_KEY.test((keys[0] as string).trim())) {
    return refuse('Sec-WebSocket-Key must be one base64-encoded 16-byte value.');
  }
  const versions = valuesOf(raw, 'sec-websocket-version');
  if (versions.length !== 1 || (versions[0] as string).trim() !== '13') return refuse('Sec-WebSocket-Version must be 13.');
  return undefined;
}

/** The client's Sec-WebSocket-Key of a handshake that passed screenUpgrade. */
export const clientWebSocketKey = (req: IncomingMessage): string => (valuesOf(req.rawHeaders, 'sec-websocket-key')[0] as string).trim();

/**
 * The upstream's half: only `101` with `Upgrade: websocket`, a Connection
 * listing `upgrade`, and the accept value of our client's key opens a tunnel.
 * Returns why not, or undefined.
 */
export function checkUpstreamHandshake(statusCode: number, rawHeaders: readonly string[], clientKey: string): string | undefined {
  if (statusCode !== 101) return `status ${statusCode}`;
  const upgrade = tokensOf(rawHeaders, 'upgrade');
  if (upgrade.length !== 1 || upgrade[0] !== 'websocket') return 'Upgrade is not websocket';
  if (!tokensOf(rawHeaders, 'connection').includes('upgrade')) return 'Connection does not list upgrade';
  const accepts = valuesOf(rawHeaders, 'sec-websocket-accept');
  if (accepts.length !== 1 || (accepts[0] as string).trim() !== websocketAccept(clientKey)) return 'Sec-WebSocket-Accept does not match';
  return undefined;
}
