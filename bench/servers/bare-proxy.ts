// The floor: the thinnest pass-through proxy Node and undici allow, run as its
// own process. It forwards method, path and headers (minus hop-by-hop ones)
// through a keep-alive pool the size of the gateway's, and streams the answer
// back with pool.stream in its callback form (the gateway's forwarding
// primitive; no promise per request). No parsing, no checks.
// Env: PORT, UPSTREAM (origin), HOST (default 127.0.0.1), CONTRACT, REDIS_URL.
//
// CONTRACT adds only the work the gateway's contract makes unavoidable, so a
// run shows the most any gateway honouring it could reach, beside what ours
// reaches:
// - `headers`: the identity headers sent up (a fresh request id, X-Forwarded-*,
//   a key id, organization and scopes; the credential stripped) and the
//   request id and X-RateLimit-* headers sent down;
// - `redis`: the same, plus one rate-limit take per request through the
//   gateway's own Redis limiter (REDIS_URL), whose answer fills the headers.
// No key lookup, route match, authorization, metrics or error mapping.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { Pool } from 'undici';
import { setRateLimitHeaders } from '../../gateway/limiter/headers.js';
import { createRedisClient } from '../../gateway/limiter/redis-client.js';
import { createRedisLimiter } from '../../gateway/limiter/redis-limiter.js';
import { singleWindowPlan } from '../../gateway/limiter/limit-plan.js';
import type { LimitDecision, RateLimitSpec } from '../../gateway/limiter/types.js';

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
const contract = process.env.CONTRACT ?? '';
if (!['', 'headers', 'redis'].includes(contract)) throw new Error('CONTRACT must be headers or redis');
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

/** Forward `req`; `requestId` and `decision` set, the contract's headers go up and down too. */
function relay(req: IncomingMessage, res: ServerResponse, requestId?: string, decision?: LimitDecision): void {
  let headers = requestHeaders(req.rawHeaders);
  if (requestId !== undefined) headers = withIdentity(req, requestId, headers);
  pool.stream(
    {
      method: req.method as 'GET',
      path: req.url ?? '/',
      headers,
      body: hasBody(req) ? req : null,
    },
    ({ statusCode, headers: answer }) => {
      const outgoing = responseHeaders(answer);
      if (requestId !== undefined && decision !== undefined) {
        outgoing['x-request-id'] = requestId;
        setRateLimitHeaders(outgoing as Record<string, string>, decision, { ietf: false });
      }
      res.writeHead(statusCode, outgoing);
      return res;
    },
    (err) => {
      if (!err) return;
      if (!res.headersSent) res.writeHead(502);
      res.end();
    },
  );
}

function withIdentity(req: IncomingMessage, requestId: string, forwarded: string[]): string[] {
  const out = ['x-request-id', requestId, 'x-forwarded-for', req.socket.remoteAddress ?? '', 'x-forwarded-proto', 'http'];
  if (req.headers.host !== undefined) out.push('x-forwarded-host', req.headers.host);
  out.push('x-bullseye-key-id', 'key_bench', 'x-bullseye-organization-id', 'bench-org', 'x-bullseye-scopes', 'read');
  for (let i = 0; i < forwarded.length; i += 2) {
    if ((forwarded[i] as string).toLowerCase() !== 'x-api-key') out.push(forwarded[i] as string, forwarded[i + 1] as string);
  }
  return out;
}

const SPEC: RateLimitSpec = { requests: 100_000_000, perMs: 60_000 };
const PLAN = singleWindowPlan('bench-key', SPEC);

function contractHandler(): (req: IncomingMessage, res: ServerResponse) => void {
  if (contract === 'headers') {
    return (req, res) => {
      const check = {
        allowed: true,
        limit: SPEC.requests,
        remaining: SPEC.requests - 1,
        resetAtSec: Math.ceil(Date.now() / 1000),
        retryAfterSec: 0,
        backend: 'memory' as const,
      };
      const decision: LimitDecision = { ...check, checks: [check], headerCheck: 0, refusedBy: null };
      relay(req, res, randomUUID(), decision);
    };
  }
  if (contract === 'redis') {
    const redisUrl = process.env.REDIS_URL;
    if (!redisUrl) throw new Error('CONTRACT=redis needs REDIS_URL');
    const limiter = createRedisLimiter({ client: createRedisClient(redisUrl), commandTimeoutMs: 50 });
    return (req, res) => {
      const requestId = randomUUID();
      Promise.resolve(limiter.take(PLAN, 1)).then(
        (decision) => relay(req, res, requestId, decision),
        () => {
          res.writeHead(503);
          res.end();
        },
      );
    };
  }
  return (req, res) => relay(req, res);
}

const server = createServer(contractHandler());
server.keepAliveTimeout = 120_000;
server.headersTimeout = 121_000;
server.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? '127.0.0.1');
// A bench server needs no graceful shutdown.
process.on('SIGTERM', () => process.exit(0));
