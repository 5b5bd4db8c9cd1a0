// The floor: the thinnest pass-through proxy Node and undici allow, run as its
// own process. It forwards method, path and headers (minus hop-by-hop ones)
// through a keep-alive pool the size of the gateway's, and streams the answer
// back with pool.stream (the gateway's forwarding primitive). No parsing, no
// checks. Env: PORT, UPSTREAM (origin), HOST (default 127.0.0.1).
import { createServer, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { Pool } from 'undici';

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'expect',
  'host',
]);

const upstream = process.env.UPSTREAM;
if (!upstream) throw new Error('UPSTREAM is required');
const pool = new Pool(upstream, { connections: 128, pipelining: 1 });

const hasBody = (req: IncomingMessage): boolean =>
  req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] ?? '0') !== '0';

function requestHeaders(raw: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    if (!HOP_BY_HOP.has(name.toLowerCase())) out.push(name, raw[i + 1] as string);
  }
  return out;
}

function responseHeaders(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  for (const name of ['connection', 'keep-alive', 'transfer-encoding']) delete headers[name];
  return headers;
}

const server = createServer((req, res) => {
  pool
    .stream(
      {
        method: req.method as 'GET',
        path: req.url ?? '/',
        headers: requestHeaders(req.rawHeaders),
        body: hasBody(req) ? req : null,
      },
      ({ statusCode, headers }) => {
        res.writeHead(statusCode, responseHeaders(headers as IncomingHttpHeaders));
        return res;
      },
    )
    .catch(() => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
});
server.keepAliveTimeout = 120_000;
server.headersTimeout = 121_000;
server.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? '127.0.0.1');
// A bench server needs no graceful shutdown.
process.on('SIGTERM', () => process.exit(0));
