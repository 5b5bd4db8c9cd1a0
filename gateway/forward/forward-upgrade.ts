// Step 6 for a WebSocket handshake that admission let through: send the
// authorized handshake to the upstream on a connection of its own, and open a
// tunnel only when the upstream's answer is a valid WebSocket acceptance of
// this very handshake (RFC 6455 §4.1: a client must fail the connection
// otherwise; RFC 9931 makes the same point for proxies). Until then the
// client socket stays paused and every byte it sent after its handshake stays
// here, so a forged request sent "through the tunnel" never reaches an
// upstream that only pretended to upgrade. Any other answer is relayed to the
// client as an ordinary response and the connection closed after it.
// node:http's client rather than http-proxy or undici: http-proxy opens the
// tunnel on any 101, undici's upgrade() drops a non-101 answer; this one
// needs both the check and the relay.
import { request as httpRequest, STATUS_CODES, type ClientRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { ApiError } from '../../core/errors.js';
import { checkUpstreamHandshake } from '../pipeline/upgrade-handshake.js';
import { isHopByHop } from './forward-headers.js';

export interface UpgradeRequest {
  /** The client's socket, paused, with `head` (bytes after its handshake) not yet delivered anywhere. */
  socket: Duplex;
  head: Buffer;
  origin: string;
  /** Canonical path and query, exactly as authorized. */
  pathAndQuery: string;
  /** Upstream request headers, flat [name, value, ...], without Connection and Upgrade. */
  headers: string[];
  /** The client's Sec-WebSocket-Key, to check the upstream's Sec-WebSocket-Accept against. */
  clientKey: string;
  timeoutMs: number;
  /** Headers the gateway adds to what the client receives (request id, rate limit). */
  responseHeaders: Record<string, string>;
}

/**
 * How the handshake ended, reported once: `tunnel` when the upstream accepted
 * it (the client got the 101), `relayed` when an ordinary upstream response
 * went to the client (its status), or the ApiError to answer with (nothing
 * was written to the client yet).
 */
export type UpgradeResult =
  { kind: 'tunnel'; status: 101; tunnel: Tunnel } | { kind: 'relayed'; status: number } | { kind: 'failed'; error: ApiError };

export interface Tunnel {
  /** Resolves with the byte counts when either side closes. */
  readonly closed: Promise<{ bytesFromClient: number; bytesFromUpstream: number }>;
  destroy(): void;
}

const UPGRADE_HEADERS = ['connection', 'Upgrade', 'upgrade', 'websocket'];

/**
 * The client-facing head: the upstream's fields in order, repeated ones kept (hop-by-hop ones
 * dropped, except on a 101, whose Connection and Upgrade are the switch itself), then the gateway's.
 */
function responseHead(status: number, rawHeaders: readonly string[], ours: Record<string, string>, keepHopByHop: boolean): string {
  let head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Unknown'}\r\n`;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = (rawHeaders[i] as string).toLowerCase();
    if (name in ours || (keepHopByHop ? name === 'content-length' : isHopByHop(name))) continue;
    head += `${rawHeaders[i]}: ${rawHeaders[i + 1]}\r\n`;
  }
  for (const name in ours) head += `${name}: ${ours[name]}\r\n`;
  return head;
}

const badHandshake = (why: string | undefined): ApiError =>
  new ApiError('bad_gateway', 'The upstream service answered the WebSocket handshake incorrectly.', {
    context: { upstreamHandshake: why },
  });

/** Calls `done` once with how the handshake ended. */
export function forwardUpgrade(upgrade: UpgradeRequest, done: (result: UpgradeResult) => void): void {
  const { socket } = upgrade;
  const target = new URL(upgrade.origin);
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  let settled = false;
  const settle = (result: UpgradeResult): void => {
    if (settled) return;
    settled = true;
    socket.off('close', onClientGone);
    done(result);
  };

  const upstream: ClientRequest = send({
    host: target.hostname.replace(/^\[|\]$/g, ''),
    port: target.port || (target.protocol === 'https:' ? 443 : 80),
    method: 'GET',
    path: upgrade.pathAndQuery,
    headers: [...upgrade.headers, ...UPGRADE_HEADERS],
    agent: false,
  });
  // The client left before the upstream answered: nothing to relay, free the upstream connection.
  const onClientGone = (): void => {
    upstream.destroy();
    settle({
      kind: 'failed',
      error: new ApiError('client_closed_request', 'The client closed the connection before the handshake completed.'),
    });
  };
  socket.once('close', onClientGone);

  upstream.setTimeout(upgrade.timeoutMs, () => {
    upstream.destroy();
    settle({ kind: 'failed', error: new ApiError('gateway_timeout', 'The upstream service did not answer in time.') });
  });
  upstream.on('error', (err) => {
    const context = { upstreamError: (err as NodeJS.ErrnoException).code ?? String(err) };
    settle({ kind: 'failed', error: new ApiError('bad_gateway', 'The upstream service could not be reached.', { context, cause: err }) });
  });

  upstream.on('upgrade', (res: IncomingMessage, upstreamSocket: Socket, upstreamHead: Buffer) => {
    const invalid = checkUpstreamHandshake(res.statusCode ?? 0, res.rawHeaders, upgrade.clientKey);
    if (invalid) {
      // The upstream switched protocols without proving it speaks WebSocket to this handshake.
      upstreamSocket.destroy();
      settle({ kind: 'failed', error: badHandshake(invalid) });
      return;
    }
    upstreamSocket.setTimeout(0); // the handshake timeout is over; an idle WebSocket lives on
    socket.write(`${responseHead(101, res.rawHeaders, upgrade.responseHeaders, true)}\r\n`);
    if (upstreamHead.length) socket.write(upstreamHead);
    if (upgrade.head.length) upstreamSocket.write(upgrade.head);
    settle({ kind: 'tunnel', status: 101, tunnel: openTunnel(socket, upstreamSocket, upgrade.head.length) });
  });

  upstream.on('response', (res: IncomingMessage) => {
    const status = res.statusCode ?? 0;
    if (status < 200) {
      // A 101 Node did not take for an upgrade (no Connection: upgrade): a switch without the
      // handshake's proof, so neither a tunnel nor anything a client could take for one.
      upstream.destroy();
      const context = { upstreamHandshake: checkUpstreamHandshake(status, res.rawHeaders, upgrade.clientKey) };
      settle({ kind: 'failed', error: badHandshake(context.upstreamHandshake) });
      return;
    }
    // Not an upgrade: relay it as an ordinary response, its body delimited by the close.
    socket.write(`${responseHead(status, res.rawHeaders, upgrade.responseHeaders, false)}connection: close\r\n\r\n`);
    res.on('error', () => socket.destroy());
    res.pipe(socket);
    // Drop whatever the client sends meanwhile (it never goes upstream), so its close is seen.
    socket.resume();
    settle({ kind: 'relayed', status });
  });

  upstream.end();
}

/** Pipe the two sockets; either side closing or failing closes both. */
function openTunnel(client: Duplex, upstream: Socket, headBytes: number): Tunnel {
  upstream.setNoDelay(true);
  let fromClient = headBytes;
  let fromUpstream = 0;
  client.on('data', (chunk: Buffer) => (fromClient += chunk.length));
  upstream.on('data', (chunk: Buffer) => (fromUpstream += chunk.length));
  const closed = new Promise<{ bytesFromClient: number; bytesFromUpstream: number }>((resolve) => {
    const close = (): void => {
      client.destroy();
      upstream.destroy();
      resolve({ bytesFromClient: fromClient, bytesFromUpstream: fromUpstream });
    };
    client.once('close', close);
    upstream.once('close', close);
    upstream.on('error', close);
  });
  upstream.pipe(client);
  client.pipe(upstream);
  client.resume();
  return { closed, destroy: () => (client.destroy(), upstream.destroy()) };
}
