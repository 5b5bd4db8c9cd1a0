// Step 6: the request to the upstream and the response back. A small request
// body is read whole before the upstream request opens, a large one streams
// (request-body.ts); the response always streams. Failures map to gateway
// errors: refused → 502 (unreachable), reset or cut short, before or after
// its head → 502 (reset; once the head is relayed the client's connection is
// cut instead), no answer in time → 504, a body that stalls → 408, the client
// gone first → 499 (logged, never sent). Nothing is retried (undici pools
// never retry, and a retried POST could run twice). A client that goes away,
// or stalls its streamed body, aborts the upstream request so its connection
// slot is freed.
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

// No UND_ERR_HEADERS_TIMEOUT: the head is timed by UpstreamAbort's own timer (headersTimeout is 0).
const TIMEOUT_CODES = new Set(['UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);
/** An established connection that broke: the upstream closed or reset it, or cut its body short. */
const RESET_CODES = new Set(['UND_ERR_SOCKET', 'ECONNRESET', 'EPIPE', 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH']);

/** How an upstream failed, as the metrics count it (`bullseye_gateway_upstream_errors_total{kind}`). */
export type UpstreamFailure = 'unreachable' | 'reset' | 'timeout';

/**
 * The abort signal undici is given: the smallest object undici accepts as one
 * (`aborted`, `reason`, and add/removeEventListener for its single 'abort'
 * listener), because an AbortController's EventTarget machinery, and even an
 * EventEmitter's listener bookkeeping, are costs paid per request on the hot
 * path. Aborted by the client
 * going away (no reason), or with the error to answer (a stalled body, the
 * upstream timeout). It also holds the request's one upstream timer.
 */
class UpstreamAbort {
  aborted = false;
  /** Why the gateway aborted, when it was not the client leaving; undici fails the request with it. */
  reason: ApiError | undefined = undefined;
  #listener: (() => void) | undefined = undefined;
  #timer: NodeJS.Timeout | undefined = undefined;
  /** The exchange has ended: a streamed body's late 'end' must not arm a timer any more. */
  #settled = false;
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
    this.clearTimer();
    // Once the upstream's answer is being relayed, cut it instead: undici then aborts the upstream
    // request itself. Aborted through the signal while it holds a live response and a streamed
    // body, undici 7.30 calls back twice and throws from its stream handler (the kind of bug in
    // nodejs/undici#2349); slow-clients.test.ts covers this case.
    if (reason && this.res.headersSent) this.res.destroy();
    else this.#listener?.();
  }
  /**
   * Answer 504 unless the upstream's head arrives within `ms`. undici's own headersTimeout runs on
   * its coarse fast timers (up to 0.5 s late); this one is precise. It runs from the moment the
   * request is sent whole, so it covers waiting for a pool connection and connecting too.
   */
  startTimer(ms: number): void {
    if (this.aborted || this.#settled || this.res.headersSent) return;
    this.#timer = setTimeout(timeUp, ms, this, ms);
  }
  /** The head arrived, or the exchange ended: nothing more to time (the body is undici's bodyTimeout's). */
  clearTimer(): void {
    if (this.#timer === undefined) return;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
  /** The exchange is over, answered or failed. */
  settle(): void {
    this.#settled = true;
    this.clearTimer();
  }
  /**
   * The response's 'close' listener: closed before it finished means the client went away, unless
   * undici destroyed it with the upstream's error (a reset after the head was relayed).
   */
  readonly onResponseClose = (): void => {
    if (!this.res.writableFinished && !this.res.errored) this.abort();
  };
}

/** Module-level, so arming the timer allocates no closure. */
function timeUp(abort: UpstreamAbort, ms: number): void {
  const context = { upstreamError: 'timeout', timeoutMs: ms };
  abort.abort(new ApiError('gateway_timeout', 'The upstream service did not answer in time.', { context }));
}

/**
 * What `forward` reports once, when the exchange ends: the upstream status, or the ApiError to
 * answer and, when the upstream was at fault, how it failed.
 */
export type ForwardDone = (err: ApiError | undefined, status: number, failure?: UpstreamFailure) => void;

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
    fail(new Error('client gone before its body was read'), abort, 0, done);
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
  // Sent whole at once unless it streams: then the answer is awaited from the body's end, as undici does.
  if (body === null || Buffer.isBuffer(body) || body.readableEnded) abort.startTimer(request.timeoutMs);
  else body.once('end', () => abort.startTimer(request.timeoutMs));
  // undici reports every failure, a synchronous one included, through the callback.
  request.pool.stream(
    {
      method: req.method as 'GET',
      path: request.pathAndQuery,
      headers: request.headers,
      body,
      // 0: the abort's own timer above times the head; undici's would only fire later.
      headersTimeout: 0,
      bodyTimeout: request.timeoutMs,
      signal: abort,
    },
    ({ statusCode, headers }) => {
      abort.clearTimer();
      status = statusCode;
      const outgoing = clientResponseHeaders(headers);
      Object.assign(outgoing, request.responseHeaders);
      res.writeHead(statusCode, outgoing);
      return res;
    },
    (err) => {
      abort.settle();
      reading?.stop();
      if (err) fail(err, abort, status, done);
      else done(undefined, status);
    },
  );
}

/** Report `err` as the gateway error to answer, with the upstream's part in it; `status` is 0 before the head. */
function fail(err: unknown, abort: UpstreamAbort, status: number, done: ForwardDone): void {
  // The gateway's own reason (a stalled body, the upstream timeout): answered as it is.
  const reason = abort.reason;
  if (reason) return done(reason, 0, reason.code === 'gateway_timeout' ? 'timeout' : undefined);
  const code = (err as { code?: string }).code ?? '';
  const context = { upstreamError: code || String(err), clientGone: abort.aborted, upstreamStatus: status || undefined };
  // The client's doing, not the upstream's: no 5xx in the logs and metrics for it.
  if (abort.aborted) {
    const gone = new ApiError('client_closed_request', 'The client closed the connection before the response was complete.', {
      context,
      cause: err,
    });
    return done(gone, 0);
  }
  if (TIMEOUT_CODES.has(code)) {
    return done(new ApiError('gateway_timeout', 'The upstream service did not answer in time.', { context, cause: err }), 0, 'timeout');
  }
  // Past the head, any failure is the answer breaking off; the client's connection is cut (problem.ts).
  if (status !== 0 || RESET_CODES.has(code)) {
    return done(
      new ApiError('bad_gateway', 'The upstream service closed the connection before its answer was complete.', { context, cause: err }),
      0,
      'reset',
    );
  }
  done(new ApiError('bad_gateway', 'The upstream service could not be reached.', { context, cause: err }), 0, 'unreachable');
}
