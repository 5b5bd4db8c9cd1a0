// The one place where errors become responses: RFC 9457 problem details,
// `application/problem+json`, with a stable `code` member. Known ApiErrors are
// answered as they are; anything else is a bug, logged in full and answered
// with a generic 500 that reveals nothing.
import type { ServerResponse } from 'node:http';
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

/**
 * Answer `res` with the problem for `err` and log it: client errors at debug
 * (they are the client's, and a flood must not flood the log), unknown errors
 * at error with the stack. Safe to call when headers were already sent: the
 * response is then destroyed, since a half-sent body cannot be repaired.
 */
export function sendProblem(
  res: ServerResponse,
  err: unknown,
  logger: Logger,
  requestId?: string,
  extraHeaders?: Record<string, string>,
): void {
  if (isApiError(err)) {
    logger.debug({ code: err.code, ...err.context }, err.message);
  } else {
    logger.error({ err }, 'unhandled error');
  }
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const problem = toProblem(err, requestId);
  const payload = JSON.stringify(problem.body);
  res.writeHead(problem.status, {
    ...extraHeaders,
    ...problem.headers,
    'content-type': 'application/problem+json',
    'content-length': Buffer.byteLength(payload),
    'cache-control': 'no-store',
  });
  res.end(payload);
}
