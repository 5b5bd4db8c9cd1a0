// One request/response pair as the admin plane's servers handle it: the
// request id is fixed first (and echoed on every response), a child logger
// carries it, every response is written through the helpers below, and one
// access-log line is written when the exchange ends. Never the key: the line
// holds the key *id* the handler found, nothing from the credential header.
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Logger } from '../../core/logger.js';
import { logProblem, sendProblem } from '../../core/problem.js';
import { requestIdOf } from '../../core/request-id.js';
import { hasBody } from '../../core/has-body.js';

export interface Exchange {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly requestId: string;
  readonly log: Logger;
  /** The route template that matched, for the access log. */
  route: string | undefined;
  /** The id of the authenticated key, for the access log. */
  keyId: string | undefined;
}

export type ExchangeHandler = (exchange: Exchange) => Promise<void> | void;

/**
 * A request body the handler did not read must not be read by Node either
 * (it could be gigabytes): close the connection after the response instead.
 * (`complete` alone will not do: it is still false while a bodiless request
 * is being handled.)
 */
const closeIfUnread = (exchange: Exchange): Record<string, string> | undefined =>
  hasBody(exchange.req) && !exchange.req.complete ? { connection: 'close' } : undefined;

const COMMON_HEADERS = { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' };

export function sendJson(exchange: Exchange, status: number, body: unknown, headers?: Record<string, string>): void {
  const payload = JSON.stringify(body);
  exchange.res.writeHead(status, {
    ...COMMON_HEADERS,
    ...headers,
    ...closeIfUnread(exchange),
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(payload),
  });
  exchange.res.end(payload);
}

export function sendEmpty(exchange: Exchange, status: number): void {
  exchange.res.writeHead(status, { ...COMMON_HEADERS, ...closeIfUnread(exchange) });
  exchange.res.end();
}

/** Every error goes out through core/problem.ts, with the request id. */
export function sendError(exchange: Exchange, err: unknown): void {
  logProblem(exchange.log, err); // the exchange's logger carries the request id
  sendProblem(exchange.res, err, exchange.requestId, closeIfUnread(exchange));
}

/** Told about every finished exchange (metrics). */
export type ExchangeObserver = (exchange: Exchange, status: number, durationMs: number) => void;

export function serveExchanges(handler: ExchangeHandler, logger: Logger, observe?: ExchangeObserver): RequestListener {
  return (req: IncomingMessage, res: ServerResponse) => {
    const started = performance.now();
    const requestId = requestIdOf(req.headers['x-request-id']);
    res.setHeader('x-request-id', requestId);
    const exchange: Exchange = { req, res, requestId, log: logger.child({ requestId }), route: undefined, keyId: undefined };
    res.once('close', () => {
      const durationMs = performance.now() - started;
      observe?.(exchange, res.statusCode, durationMs);
      exchange.log.info(
        {
          method: req.method,
          route: exchange.route ?? null,
          status: res.statusCode,
          keyId: exchange.keyId ?? null,
          durationMs: Math.round(durationMs * 1000) / 1000,
          ...(res.writableFinished ? {} : { aborted: true }),
        },
        'request',
      );
    });
    let settled: Promise<void> | void;
    try {
      settled = handler(exchange);
    } catch (err) {
      sendError(exchange, err);
      return;
    }
    if (settled) settled.catch((err: unknown) => sendError(exchange, err));
  };
}
