// One request/response pair as the admin plane's servers handle it: the
// request id is fixed first (and echoed on every response), a child logger
// carries it, every response is written through the helpers below, and the
// exchange, a core RequestContext, ends with the access-log line both planes
// write (core/request-context.ts) when its response closes.
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { isApiError } from '../../core/errors.js';
import { hasBody } from '../../core/has-body.js';
import type { KeyAuthRecord } from '../../core/key-record.js';
import type { Logger } from '../../core/logger.js';
import { logProblem, sendProblem } from '../../core/problem.js';
import { logAccess, type RequestContext } from '../../core/request-context.js';
import { requestIdOf } from '../../core/request-id.js';

export interface Exchange extends RequestContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  /** Carries the request id. */
  readonly log: Logger;
  /** Set by the handler once a route matched. */
  routeTemplate: string | undefined;
  /** Set by the handler once authentication found the calling key. */
  key: KeyAuthRecord | undefined;
  status: number;
  errorCode: string | undefined;
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
  exchange.errorCode = isApiError(err) ? err.code : 'internal';
  logProblem(exchange.log, err); // the exchange's logger carries the request id
  sendProblem(exchange.res, err, exchange.requestId, closeIfUnread(exchange));
}

/** Told about every finished exchange (metrics). */
export type ExchangeObserver = (exchange: Exchange, status: number, durationMs: number) => void;

export function serveExchanges(handler: ExchangeHandler, logger: Logger, observe?: ExchangeObserver): RequestListener {
  return (req: IncomingMessage, res: ServerResponse) => {
    const requestId = requestIdOf(req.headers['x-request-id']);
    res.setHeader('x-request-id', requestId);
    const exchange: Exchange = {
      req,
      res,
      requestId,
      method: req.method ?? '',
      startedAt: performance.now(),
      log: logger.child({ requestId }),
      routeTemplate: undefined,
      key: undefined,
      status: 0,
      errorCode: undefined,
    };
    res.once('close', () => {
      exchange.status = res.statusCode;
      const durationMs = performance.now() - exchange.startedAt;
      observe?.(exchange, res.statusCode, durationMs);
      logAccess(logger, exchange, durationMs, !res.writableFinished);
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
