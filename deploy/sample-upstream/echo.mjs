// A stand-in for a Bullseye service behind the gateway: answers every request
// with JSON naming what it received, including the identity headers the
// gateway set (X-Bullseye-*), so a caller sees what an upstream is told.
// Plain node, no dependencies: `node echo.mjs` (PORT, default 9000; HOST, default 0.0.0.0).
import { createServer } from 'node:http';

const port = Number(process.env.PORT || 9000);
const host = process.env.HOST || '0.0.0.0';

const server = createServer((req, res) => {
  const identity = Object.fromEntries(Object.entries(req.headers).filter(([name]) => name.startsWith('x-bullseye-')));
  const body = JSON.stringify({ service: 'sample-upstream', method: req.method, path: req.url, identity });
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
});

server.listen(port, host, () => console.log(JSON.stringify({ msg: 'sample upstream listening', host, port })));
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.once(signal, () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}
