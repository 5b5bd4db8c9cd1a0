// Reading a JSON request body with a hard size limit. The declared
// Content-Length is checked before a byte is read; a streamed body is counted
// as it arrives and reading stops at the limit. The caller's error response
// then closes the connection (see exchange.ts), so the rest is never read.
import type { IncomingMessage } from 'node:http';
import { ApiError } from '../../core/errors.js';
import { hasBody } from '../../core/has-body.js';

export const ADMIN_BODY_LIMIT = 16 * 1024;

const JSON_TYPE = /^application\/json[ \t]*(;[ \t]*charset[ \t]*=[ \t]*(utf-8|"utf-8")[ \t]*)?$/i;

export const isJsonContentType = (value: string | undefined): boolean => value !== undefined && JSON_TYPE.test(value);

const tooLarge = (limit: number): ApiError =>
  new ApiError('payload_too_large', `The request body must be at most ${limit} bytes.`, {
    extensions: { maxBytes: limit },
  });

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The parsed JSON body, or `undefined` when the request has none.
 * Throws ApiError: 413 over `limit`, 415 not JSON, 400 invalid_json.
 */
export async function readJsonBody(req: IncomingMessage, limit: number): Promise<unknown> {
  if (!hasBody(req)) return undefined;
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) throw tooLarge(limit);
  if (!isJsonContentType(req.headers['content-type'])) {
    throw new ApiError('unsupported_media_type', 'The request body must be JSON (Content-Type: application/json).');
  }
  const bytes = await collect(req, limit);
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw new ApiError('invalid_json', 'The request body is not valid UTF-8.');
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ApiError('invalid_json', 'The request body is not valid JSON.');
  }
}

function collect(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('aborted', onAborted);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        stop();
        req.pause();
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      stop();
      resolve(Buffer.concat(chunks, size));
    };
    const onError = (): void => {
      stop();
      reject(new ApiError('invalid_body', 'The request body was not received completely.'));
    };
    const onAborted = onError;
    req.on('data', onData);
    req.once('end', onEnd);
    req.once('error', onError);
    req.once('aborted', onAborted);
  });
}
