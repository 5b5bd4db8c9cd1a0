// Request ids: a client's X-Request-Id is kept when it is sane (so traces join
// up across hops), otherwise a fresh UUID is used. Never echo arbitrary bytes
// into logs and upstream headers.
import { randomUUID } from 'node:crypto';

const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestIdOf(header: string | string[] | undefined): string {
  return typeof header === 'string' && SANE_REQUEST_ID.test(header) ? header : randomUUID();
}
