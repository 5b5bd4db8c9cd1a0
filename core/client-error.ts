// Requests Node's HTTP parser refuses never reach a handler; this answers them
// on the raw socket with the same problem document as every other error
// (instead of Node's empty-bodied default), then closes the connection.
import type { Duplex } from 'node:stream';
import { ApiError } from './errors.js';
import { writeProblemToSocket } from './problem.js';

export function problemForClientError(err: NodeJS.ErrnoException): ApiError {
  if (err.code === 'HPE_HEADER_OVERFLOW') return new ApiError('headers_too_large', 'The request headers are too large.');
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    return new ApiError('request_timeout', 'The request was not received in time.');
  }
  return new ApiError('malformed_request', 'The request could not be parsed as HTTP/1.1.');
}

/** A `clientError` listener for node:http servers. */
export function answerClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  // A response already under way (a request timeout while a long body streams and the upstream has
  // answered) cannot be replaced: a problem written now would land inside its body. Cut it, as Node does.
  const inProgress = (socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (err.code === 'ECONNRESET' || inProgress?.headersSent) {
    socket.destroy();
    return;
  }
  writeProblemToSocket(socket, problemForClientError(err));
}
