// Step 6: the request to the upstream and the response back. A small request
// body is read whole before the upstream request opens, a large one streams
// (request-body.ts); the response always streams. Failures map to gateway
// errors: refused or reset → 502, no answer in time → 504, a body that stalls
// → 408, the client gone first → 499 (logged, never sent). Nothing is retried
// (undici pools never retry, and a retried POST could run twice). A client
// that goes away, or stalls its streamed body, aborts the upstream request so
// its connection slot is freed.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Pool } from 'undici';
import { ApiError } from '../../core/errors.js';
import { hasBody } from '../../core/has-body.js';
import { clientResponseHeaders } from './forward-headers.js';
import { RequestBody, type BodyLimits, type BodyPayload } from './request-body.js';

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
  /** How request bodies are buffered or streamed, and their idle timeout. */
  bodyLimits: BodyLimits;
}

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);

/**
 * The abort signal undici is given: the smallest object undici accepts as one
 * (`aborted`, `reason`, and add/removeEventListener for its single 'abort'
 * listener). An AbortController's EventTarget machinery showed as ~8 % of the
 * gateway's CPU per request, and an EventEmitter still cost about a
 * microsecond in construction and listener bookkeeping. Aborted by the client
 * going away (no reason), or with the error to answer (a stalled body).
 */
class UpstreamAbort {
  aborted = false;
  /** Why the gateway aborted, when it was not the client leaving; undici fails the request with it. */
  reason: ApiError | undefined = undefined;
  #listener: (() => void) | undefined = undefined;
  constructor(private readonly res: ServerResponse) {}
  addEventListener(_type: 'abort', listener: () => void): void {
    this.#listener = listener;
  }
  removeEventListener(): void {
    this.#listener = undefined;
  }
  abort(reason?: ApiError): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    // Once the upstream's answer is being relayed, cut it instead: undici then aborts the upstream
    // request itself. Aborted through the signal while it holds a live response and a streamed
    // body, undici 7.30 calls back twice and throws from its stream handler (the kind of bug in
    // nodejs/undici#2349); slow-clients.test.ts covers this case.
    if (reason && this.res.headersSent) this.res.destroy();
    else this.#listener?.();
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
  const abort = new UpstreamAbort(res);
  // Left in place: it fires once, when the response closes, and is a no-op after a normal finish.
  res.on('close', abort.onResponseClose);
  // A client that left while admission awaited (the rate-limit round trip) has already fired
  // 'close': its request must not be started at all.
  if (res.destroyed) abort.abort();
  if (!hasBody(req)) {
    send(request, abort, null, undefined, done);
    return;
  }
  if (abort.aborted) {
    done(toGatewayError(new Error('client gone before its body was read'), abort), 0);
    return;
  }
  const body: RequestBody = new RequestBody(
    req,
    request.bodyLimits,
    (err, payload) => {
      if (err) done(err, 0);
      else send(request, abort, payload as BodyPayload, body, done);
    },
    abort,
  );
  body.start();
}

/** Open the upstream request and relay its answer; `reading` is stopped when the exchange ends. */
function send(
  request: ForwardRequest,
  abort: UpstreamAbort,
  body: BodyPayload | null,
  reading: RequestBody | undefined,
  done: ForwardDone,
): void {
  const { req, res } = request;
  let status = 0;
  // undici reports every failure, a synchronous one included, through the callback.
  request.pool.stream(
    {
      method: req.method as 'GET',
      path: request.pathAndQuery,
      headers: request.headers,
      body,
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
      reading?.stop();
      if (err) done(toGatewayError(err, abort), 0);
      else done(undefined, status);
    },
  );
}

function toGatewayError(err: unknown, abort: UpstreamAbort): ApiError {
  // The gateway's own reason (a stalled body): answered as it is.
  if (abort.reason) return abort.reason;
  const clientGone = abort.aborted;
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
