// Graceful close for a node:http server with keep-alive clients. Node's own
// server.close() keeps answering requests on open keep-alive connections
// (with `Connection: keep-alive`) until they are cut, and closes the idle ones
// at once, which resets a request already on its way to a connection that had
// just answered. Here, from the signal on: no new connections; every response
// whose head is still to be written says `Connection: close` (so the client
// stops reusing the connection and Node closes it after that response); a
// connection answering nothing is closed once it stayed quiet for QUIET_MS; what
// remains at the grace is cut. http-terminator (gajus) drains the same way.
// Both planes' listeners use it (gateway, admin API, change feed), so every
// listener drains the same way at SIGTERM.
import { Server, type IncomingMessage, type ServerResponse } from 'node:http';
import { Server as NetServer, type Socket } from 'node:net';

/**
 * How long a connection answering nothing must stay quiet after the signal (or after its last
 * keep-alive response) before it is closed. A client reusing a connection sends its next request
 * the moment the previous response arrives: closing sooner races it (RFC 9112 §9.6), and a close
 * with its bytes unread is a TCP reset.
 */
export const QUIET_MS = 100;

export interface GracefulClose {
  /** Stop accepting, drain as above, cut what remains after graceMs (calling `cut` too); resolves once every connection is gone. */
  close(graceMs: number, cut?: () => void): Promise<void>;
}

/** Node keeps the response a connection is answering on its socket; http-terminator reads the same field. */
const responseOf = (socket: Socket): ServerResponse | undefined =>
  (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage ?? undefined;

/** Track `server`'s HTTP connections (one entry per connection, none per request) so close() can drain them. */
export function gracefulClose(server: Server): GracefulClose {
  const sockets = new Set<Socket>();
  function forget(this: Socket): void {
    sockets.delete(this);
  }
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', forget);
  });
  // A tunnel is no longer HTTP: its owner cuts it at the grace.
  server.on('upgrade', (_req: IncomingMessage, socket: Socket) => sockets.delete(socket));

  return {
    close(graceMs, cut) {
      const servedSinceSignal = new WeakSet<Socket>();
      const closeOnly = (req: IncomingMessage, res: ServerResponse): void => {
        res.shouldKeepAlive = false;
        servedSinceSignal.add(req.socket);
      };
      // Installed only now, so the request path pays nothing until the signal.
      server.prependListener('request', closeOnly);
      server.prependListener('checkContinue', closeOnly);

      const closeWhenQuiet = (quiet: Socket[]): void => {
        if (quiet.length === 0) return;
        // The timer, then setImmediate: whatever arrived by then has been read (the poll phase runs
        // between the two), so a request already received is answered instead of reset.
        setTimeout(
          () =>
            setImmediate(() => {
              for (const socket of quiet) if (!servedSinceSignal.has(socket)) socket.destroy();
            }),
          Math.min(QUIET_MS, graceMs),
        );
      };
      const quiet: Socket[] = [];
      for (const socket of sockets) {
        const res = responseOf(socket);
        if (!res || res.writableFinished) quiet.push(socket);
        else if (!res.headersSent) res.shouldKeepAlive = false;
        // Its head already said keep-alive: treat the connection as idle once the response is done.
        else if (res.shouldKeepAlive) res.once('finish', () => closeWhenQuiet([socket]));
      }
      closeWhenQuiet(quiet);

      return new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          for (const socket of sockets) socket.destroy();
          server.closeAllConnections();
          cut?.();
        }, graceMs);
        // net's close, not http's: http's also destroys every idle connection at once (see above).
        NetServer.prototype.close.call(server, () => {
          clearTimeout(timer);
          server.off('request', closeOnly);
          server.off('checkContinue', closeOnly);
          resolve();
        });
      });
    },
  };
}
