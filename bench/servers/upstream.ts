// The bench upstream, run as its own process: answers every request with the
// same realistic ~1 KB JSON page of visitors, keep-alive, no work per request
// beyond writing it. Env: PORT, HOST (default 127.0.0.1).
import { createServer } from 'node:http';

const visitor = (i: number) => ({
  id: `vis_${(1_000_000 + i * 7919).toString(36)}`,
  company: { name: `Company ${i}`, domain: `company-${i}.example.com`, industry: 'Software', employees: 50 + i },
  lastSeenAt: new Date(Date.UTC(2025, 0, 1 + i)).toISOString(),
  pageViews: 3 + i,
  score: 0.5 + i / 100,
});

const body = Buffer.from(
  JSON.stringify({
    data: Array.from({ length: 5 }, (_, i) => visitor(i)),
    pagination: { page: 1, pageSize: 5, total: 1234, next: '/api/v1/organization/bench-org/visitors?page=2' },
  }),
);

const headers = {
  'content-type': 'application/json; charset=utf-8',
  'content-length': String(body.length),
  'cache-control': 'no-store',
};

const server = createServer((req, res) => {
  // Drain any request body before answering, so keep-alive stays usable.
  req.resume();
  res.writeHead(200, headers);
  res.end(body);
});
// Longer than any pause between rounds, so connections are reused across rounds.
server.keepAliveTimeout = 120_000;
server.headersTimeout = 121_000;
server.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? '127.0.0.1');
// A bench server needs no graceful shutdown.
process.on('SIGTERM', () => process.exit(0));
