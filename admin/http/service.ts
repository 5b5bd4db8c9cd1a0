// A node:http server with the admin plane's limits, and listen/close as
// promises. Slow or oversized requests are cut off well before Node's
// defaults; requests the parser refuses get a problem document; close drains
// keep-alive clients as every listener of the product does (core/graceful-close.ts).
import { createServer, type RequestListener, type Server } from 'node:http';
import { answerClientError } from '../../core/client-error.js';
import { gracefulClose } from '../../core/graceful-close.js';
import { listenOn } from '../../core/listen.js';

export const SERVER_LIMITS = Object.freeze({
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  maxHeaderSize: 16 * 1024,
});

export interface HttpService {
  readonly server: Server;
  listen(port: number, host?: string): Promise<{ port: number }>;
  /** Stop accepting, let in-flight requests finish within graceMs, then resolve (once, however often called). */
  close(graceMs: number): Promise<void>;
}

export function createHttpService(listener: RequestListener): HttpService {
  const server = createServer(
    {
      headersTimeout: SERVER_LIMITS.headersTimeoutMs,
      requestTimeout: SERVER_LIMITS.requestTimeoutMs,
      maxHeaderSize: SERVER_LIMITS.maxHeaderSize,
    },
    listener,
  );
  server.on('clientError', answerClientError);
  // Tracks connections from the start, so close() can drain keep-alive clients.
  const drain = gracefulClose(server);
  let closing: Promise<void> | undefined;
  return {
    server,
    listen: async (port, host = '127.0.0.1') => ({ port: (await listenOn(server, port, host)).port }),
    close: (graceMs) => (closing ??= drain.close(graceMs)),
  };
}
