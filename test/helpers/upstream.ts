// A real upstream for gateway tests: an HTTP server on port 0 that records
// every request it receives (method, url, headers, body) and answers with a
// JSON echo, or with whatever a test installs via `respond`. Tests assert both
// what reached it and, for refused requests, that nothing did.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  rawHeaders: string[];
  body: string;
}

export interface TestUpstream {
  origin: string;
  port: number;
  received: ReceivedRequest[];
  /** Replace the default echo handler; the body has been read already. */
  respond(handler: (req: ReceivedRequest, res: ServerResponse) => void): void;
  /** Resolves with the next request the upstream receives. */
  nextRequest(): Promise<ReceivedRequest>;
  close(): Promise<void>;
}

interface Teardown {
  teardown(fn: () => void | Promise<void>): void;
}

const echo = (request: ReceivedRequest, res: ServerResponse): void => {
  const payload = JSON.stringify({ method: request.method, url: request.url, body: request.body });
  res.writeHead(200, { 'content-type': 'application/json', 'x-upstream': 'test' });
  res.end(payload);
};

export async function startUpstream(t: Teardown): Promise<TestUpstream> {
  const received: ReceivedRequest[] = [];
  let handler = echo;
  const waiting: ((request: ReceivedRequest) => void)[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request: ReceivedRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        rawHeaders: req.rawHeaders,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      received.push(request);
      waiting.splice(0).forEach((resolve) => resolve(request));
      handler(request, res);
    });
  });
  // Record every header field a client sends (Node's default keeps ~1000 on Node 20, refuses more on 24).
  server.maxHeadersCount = 0;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const close = (): Promise<void> =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  t.teardown(close);
  return {
    origin: `http://127.0.0.1:${port}`,
    port,
    received,
    respond: (next) => {
      handler = next;
    },
    nextRequest: () => new Promise((resolve) => waiting.push(resolve)),
    close,
  };
}
