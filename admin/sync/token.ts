// The shared secret between the admin and its gateways. Compared as SHA-256
// digests with timingSafeEqual, so neither the time taken nor a length
// mismatch reveals anything about the token.
import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

/** A checker for `Authorization: Bearer <token>` values. */
export function bearerChecker(token: string): (authorization: string | undefined) => boolean {
  const expected = digest(token);
  return (authorization) => {
    const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization ?? '');
    return match !== null && timingSafeEqual(digest(match[1] as string), expected);
  };
}
