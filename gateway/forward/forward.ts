// Step 6: stream the request to the upstream and the response back, neither
// buffered whole. Failures map to gateway errors: refused or reset → 502, no
// answer in time → 504, the client gone first → 499 (logged, never sent). Nothing is retried (undici pools never retry, and a
// retried POST could run twice). A client that goes away aborts the upstream
// request so its connection slot is freed.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Pool } from 'undici';
import { ApiError } from '../../core/errors.js';
import { hasBody } from '../../core/has-body.js';
import { clientResponseHeaders } from './forward-headers.js';

export interface ForwardRequest {
  req: IncomingMessage;
  res: ServerResponse;
  pool: Pool;
  /** Canonical path and query, exactly as authorized. */
  pathAndQuery: string;
  headers: string[];
  timeoutMs: number;
  /** Headers the gateway adds to the client response (request id, rate limit). */
  responseHeaders: Record<string, string>;
}

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);

/**
 * The abort signal undici is given: the smallest object undici accepts as one
 * (`aborted`, and add/removeEventListener for its single 'abort' listener).
 * An AbortController's EventTarget machinery showed as ~8 % of the gateway's
 * CPU per request, and an EventEmitter still cost about a microsecond in
 * construction and listener bookkeeping.
 */
class ClientGone {
  aborted = false;
  #listener: (() => void) | undefined = undefined;
  constructor(private readonly res: ServerResponse) {}
  addEventListener(_type: 'abort', listener: () => void): void {
    this.#listener = listener;
  }
  removeEventListener(): void {
    this.#listener = undefined;
  }
  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    this.#listener?.();
  }
  /** The response's 'close' listener: closed before it finished means the client went away. */
  readonly onResponseClose = (): void => {
    if (!this.res.writableFinished) this.abort();
  };
}

/** What `forward` reports once, when the exchange ends: the upstream status, or the ApiError to answer. */
export type ForwardDone = (err: ApiError | undefined, status: number) => void;

/**
 * Calls `done` with the upstream status once the response is fully relayed,
 * or with an ApiError. Callbacks, not a promise: undici's callback form and
 * no async frames, so a request costs no promise and no microtask hop here.
 */
export function forward(request: ForwardRequest, done: ForwardDone): void {
  const { req, res } = request;
  const abort = new ClientGone(res);
  // Left in place: it fires once, when the response closes, and is a no-op after a normal finish.
  res.on('close', abort.onResponseClose);
  // A client that left while admission awaited (the rate-limit round trip) has already fired
  // 'close': its request must not be started at all.
  if (res.destroyed) abort.abort();
  let status = 0;
  // undici reports every failure, a synchronous one included, through the callback.
  request.pool.stream(
    {
      method: req.method as 'GET',
      path: request.pathAndQuery,
      headers: request.headers,
      body: hasBody(req) ? req : null,
      headersTimeout: request.timeoutMs,
      bodyTimeout: request.timeoutMs,
      signal: abort,
    },
    ({ statusCode, headers }) => {
      status = statusCode;
      const outgoing = clientResponseHeaders(headers);
      Object.assign(outgoing, request.responseHeaders);
      res.writeHead(statusCode, outgoing);
      return res;
    },
    (err) => {
      if (err) done(toGatewayError(err, abort.aborted), 0);
      else done(undefined, status);
    },
  );
}

function toGatewayError(err: unknown, clientGone: boolean): ApiError {
  const code = (err as { code?: string }).code ?? '';
  const context = { upstreamError: code || String(err), clientGone };
  // The client's doing, not the upstream's: no 5xx in the logs and metrics for it.
  if (clientGone) {
    return new ApiError('client_closed_request', 'The client closed the connection before the response was complete.', { context, cause: err });
  }
  if (TIMEOUT_CODES.has(code)) {
    return new ApiError('gateway_timeout', 'The upstream service did not answer in time.', { context, cause: err });
  }
  return new ApiError('bad_gateway', 'The upstream service could not be reached.', { context, cause: err });
}
