// A node:http server with the admin plane's limits, and listen/close as
// promises. Slow or oversized requests are cut off well before Node's
// defaults; requests the parser refuses get a problem document.
import { createServer, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { answerClientError } from '../../core/client-error.js';
import { listenOn } from '../../core/listen.js';

export const SERVER_LIMITS = Object.freeze({
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  maxHeaderSize: 16 * 1024,
  /** How long close() lets in-flight requests finish before cutting them off. */
  closeGraceMs: 5_000,
});

export interface HttpService {
  readonly server: Server;
  listen(port: number, host?: string): Promise<{ port: number }>;
  /** Stop accepting, let in-flight requests finish (bounded), then resolve. */
  close(): Promise<void>;
}

export function createHttpService(listener: RequestListener): HttpService {
  let closing: Promise<void> | undefined;
  // Responses still to be written when close() is called (held long-polls)
  // end their connection, so keep-alive cannot hold the shutdown open.
  const inFlight = new Set<ServerResponse>();
  const server = createServer(
    {
      headersTimeout: SERVER_LIMITS.headersTimeoutMs,
      requestTimeout: SERVER_LIMITS.requestTimeoutMs,
      maxHeaderSize: SERVER_LIMITS.maxHeaderSize,
    },
    (req, res) => {
      if (closing) res.setHeader('connection', 'close');
      inFlight.add(res);
      res.once('close', () => inFlight.delete(res));
      listener(req, res);
    },
  );
  server.on('clientError', answerClientError);
  return {
    server,
    listen: async (port, host = '127.0.0.1') => ({ port: (await listenOn(server, port, host)).port }),
    close() {
      closing ??= new Promise<void>((resolve) => {
        if (!server.listening) return resolve();
        for (const res of inFlight) if (!res.headersSent) res.setHeader('connection', 'close');
        const timer = setTimeout(() => server.closeAllConnections(), SERVER_LIMITS.closeGraceMs);
        timer.unref();
        server.close(() => {
          clearTimeout(timer);
          resolve();
        });
        server.closeIdleConnections();
      });
      return closing;
    },
  };
}
