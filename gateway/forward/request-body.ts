// The client's request body, read before or while it goes upstream, under an
// idle timeout. A body of at most `bufferBodyBytes` is read whole before the
// upstream request is opened (nginx's proxy_request_buffering), so a client
// that stalls mid-body holds only its own key's in-flight slot, never an
// upstream connection. A larger body (or one without a length that outgrows
// the limit) streams, and a client that then sends nothing for
// `bodyIdleTimeoutMs` has its upstream request aborted, freeing the pool
// connection. Either way the client is answered 408 `request_timeout`.
//
// Only requests that have a body come here. One object and one timer per
// body, refreshed per chunk; callbacks, no promises.
import type { IncomingMessage } from 'node:http';
import type { ServerSettings } from '../../config/settings-sections.js';
import { ApiError } from '../../core/errors.js';

/** The server settings a body is read under (server.bufferBodyBytes, server.bodyIdleTimeout). */
export type BodyLimits = Pick<ServerSettings, 'bufferBodyBytes' | 'bodyIdleTimeoutMs'>;

/** What goes upstream: the whole body, or the client's stream (with any bytes already read put back). */
export type BodyPayload = Buffer | IncomingMessage;

/** Called once: the body to send, or why there is none (408 idle, 499 client gone). */
export type BodyReady = (err: ApiError | undefined, body: BodyPayload | undefined) => void;

/** Told when a streaming body idles out: abort the upstream request with this error. */
export interface StreamAbort {
  abort(reason: ApiError): void;
}

const BUFFERING = 0;
const STREAMING = 1;
const DONE = 2;

/**
 * Read `req`'s body as `limits` say and report it through `ready`. While
 * streaming, an idle client is reported through `upstream.abort`; call
 * `stop()` when the exchange ends so nothing outlives it.
 */
export class RequestBody {
  #state = BUFFERING;
  #chunks: Buffer[] = [];
  #length = 0;
  /** The most this body may buffer; Infinity when the declared length fits. */
  #limit = 0;
  #timer: NodeJS.Timeout | undefined = undefined;

  constructor(
    private readonly req: IncomingMessage,
    private readonly limits: BodyLimits,
    private readonly ready: BodyReady,
    private readonly upstream: StreamAbort,
  ) {}

  /** Start reading; `ready` may be called before this returns (a body that streams from the start). */
  start(): void {
    const { req } = this;
    // Node's parser has refused Content-Length beside Transfer-Encoding, and bounds a body to its length.
    const declared = req.headers['transfer-encoding'] === undefined ? Number(req.headers['content-length']) : NaN;
    const limit = this.limits.bufferBodyBytes;
    this.#limit = declared <= limit ? Infinity : limit;
    this.#timer = setTimeout(this.#onIdle, this.limits.bodyIdleTimeoutMs);
    req.on('data', this.#onData);
    req.on('end', this.#onEnd);
    if (declared > limit || limit === 0) {
      // Known to be too big (or buffering is off): stream it as it is. Paused at once, so the
      // 'data' listener above reads nothing before undici attaches its own and resumes.
      req.pause();
      this.#state = STREAMING;
      this.ready(undefined, req);
      return;
    }
    req.on('close', this.#onClose);
  }

  /** The exchange is over (answered or failed): no timer, no listeners. */
  stop(): void {
    if (this.#state === DONE) return;
    this.#state = DONE;
    this.#detach();
  }

  #detach(): void {
    clearTimeout(this.#timer);
    this.req.off('data', this.#onData);
    this.req.off('end', this.#onEnd);
    this.req.off('close', this.#onClose);
    this.#chunks = [];
  }

  readonly #onData = (chunk: Buffer): void => {
    this.#timer?.refresh();
    if (this.#state !== BUFFERING) return;
    this.#chunks.push(chunk);
    this.#length += chunk.length;
    if (this.#length > this.#limit) this.#overflow();
  };

  /**
   * A body without a length outgrew the limit: put back what was read (in order, without copying)
   * and stream the whole. Paused first, so the bytes put back wait for undici's reader.
   */
  #overflow(): void {
    const { req } = this;
    req.pause();
    for (let i = this.#chunks.length - 1; i >= 0; i--) req.unshift(this.#chunks[i]);
    this.#chunks = [];
    req.off('close', this.#onClose);
    this.#state = STREAMING;
    this.ready(undefined, req);
  }

  readonly #onEnd = (): void => {
    if (this.#state === STREAMING) {
      // Received whole: what follows (the upstream's answer) is no longer the client's to stall.
      this.stop();
      return;
    }
    if (this.#state !== BUFFERING) return;
    const chunks = this.#chunks;
    const body = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, this.#length);
    this.stop();
    this.ready(undefined, body);
  };

  /** The client went away before its body was complete (buffering only; undici watches a streamed body). */
  readonly #onClose = (): void => {
    if (this.#state !== BUFFERING) return;
    this.stop();
    this.ready(
      new ApiError('client_closed_request', 'The client closed the connection before its request body was complete.', {
        context: { bodyBytesRead: this.#length },
      }),
      undefined,
    );
  };

  readonly #onIdle = (): void => {
    const streaming = this.#state === STREAMING;
    // Not reading (waiting for a pool connection, or paused by the upstream's backpressure): the
    // silence is not the client's.
    if (streaming && this.req.readableFlowing !== true) {
      this.#timer?.refresh();
      return;
    }
    const bytesRead = this.#length;
    this.stop();
    const err = new ApiError('request_timeout', 'The request body was not received in time.', {
      // The rest of the body may still come: the connection cannot carry another request.
      headers: { connection: 'close' },
      context: { bodyIdle: true, streaming, bodyBytesRead: streaming ? undefined : bytesRead },
    });
    if (streaming) this.upstream.abort(err);
    else this.ready(err, undefined);
  };
}
