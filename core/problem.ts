// The one place where errors become responses: RFC 9457 problem details,
// `application/problem+json`, with a stable `code` member. Known ApiErrors are
// answered as they are; anything else is a bug, logged in full and answered
// with a generic 500 that reveals nothing.
import type { ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { ApiError, isApiError } from './errors.js';

export interface ProblemBody {
  type: 'about:blank';
  title: string;
  status: number;
  detail: string;
  code: string;
  requestId?: string;
  [extension: string]: unknown;
}

export interface Problem {
  status: number;
  headers: Record<string, string>;
  body: ProblemBody;
}

export function toProblem(err: unknown, requestId?: string): Problem {
  const error = isApiError(err) ? err : new ApiError('internal', 'An unexpected error occurred.');
  const body: ProblemBody = {
    ...error.extensions,
    type: 'about:blank',
    title: error.title,
    status: error.status,
    detail: error.message,
    code: error.code,
  };
  if (requestId !== undefined) body.requestId = requestId;
  return { status: error.status, headers: { ...error.headers }, body };
}

/** On every problem response, from either plane: never cached, never sniffed into HTML. */
const PROBLEM_HEADERS = 'content-type: application/problem+json\r\ncache-control: no-store\r\nx-content-type-options: nosniff\r\n';

/**
 * Header names are case-insensitive: merge them lower-cased (later sources win),
 * so `Retry-After` and `retry-after` cannot both go out.
 */
function mergeHeaders(...sources: (Record<string, string> | undefined)[]): Record<string, string> {
  const merged: Record<string, string> = {};
  for (const source of sources) {
    if (source) for (const name of Object.keys(source)) merged[name.toLowerCase()] = source[name] as string;
  }
  return merged;
}

/**
 * Log a failure answered with a problem, the same way on every path: an ApiError at debug (the
 * access-log line already records its status and code, and a flood of them must not flood the log
 * twice), anything else (a bug) at error with the stack. `requestId` joins the line unless `logger`
 * already carries it.
 */
export function logProblem(logger: Logger, err: unknown, requestId?: string): void {
  if (!isApiError(err)) {
    logger.error(requestId === undefined ? { err } : { err, requestId }, 'unhandled error');
  } else if (logger.isLevelEnabled('debug')) {
    logger.debug({ code: err.code, ...(requestId === undefined ? {} : { requestId }), ...err.context }, err.message);
  }
}

/**
 * Answer `res` with the problem for `err` (the caller logs it: logProblem). Safe to call when
 * headers were already sent: the response is then destroyed, since a half-sent body cannot be
 * repaired.
 */
export function sendProblem(res: ServerResponse, err: unknown, requestId?: string, extraHeaders?: Record<string, string>): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const problem = toProblem(err, requestId);
  const payload = JSON.stringify(problem.body);
  const headers: Record<string, string | number> = mergeHeaders(extraHeaders, problem.headers);
  headers['content-type'] = 'application/problem+json';
  headers['content-length'] = Buffer.byteLength(payload);
  headers['cache-control'] = 'no-store';
  headers['x-content-type-options'] = 'nosniff';
  res.writeHead(problem.status, headers);
  res.end(payload);
}

/**
 * Answer on a raw socket (a refused upgrade, a request Node could not parse)
 * with the same problem document, then close the connection. The caller logs
 * it (logProblem), as for sendProblem.
 */
export function writeProblemToSocket(socket: Duplex, err: unknown, requestId?: string, extraHeaders?: Record<string, string>): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const problem = toProblem(err, requestId);
  const payload = JSON.stringify(problem.body);
  let head = `HTTP/1.1 ${problem.status} ${problem.body.title}\r\n`;
  for (const [name, value] of Object.entries(mergeHeaders(extraHeaders, problem.headers))) {
    if (name !== 'connection') head += `${name}: ${value}\r\n`;
  }
  head += `${PROBLEM_HEADERS}content-length: ${Buffer.byteLength(payload)}\r\n`;
  socket.end(`${head}connection: close\r\n\r\n${payload}`);
}
