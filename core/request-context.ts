// What one request became, as both planes record it: the gateway's HTTP and
// upgrade handlers and the admin's exchange each keep one of these per
// request, filled in as the request proceeds, and end it with one access-log
// line in the one format below. Never the key: the line holds the key *id*
// authentication found, nothing from the credential header.
import type { KeyAuthRecord } from './key-record.js';
import type { Logger } from './logger.js';

export interface RequestContext {
  readonly requestId: string;
  readonly method: string;
  /** performance.now() when the request arrived: the access line's duration runs from here. */
  readonly startedAt: number;
  /** The matched route's path template, as logged and labelled; undefined until a route matched. */
  readonly routeTemplate: string | undefined;
  /** The authenticated key, once authentication found one. */
  readonly key: KeyAuthRecord | undefined;
  /** The status the client was answered with (0 until one is known). */
  readonly status: number;
  /** The problem code the request was refused or failed with. */
  readonly errorCode: string | undefined;
}

/**
 * The access-log line of a finished request. Members that are not known are left out. `aborted`
 * marks a response the client did not wait for.
 */
export function logAccess(logger: Logger, context: RequestContext, durationMs: number, aborted = false): void {
  if (!logger.isLevelEnabled('info')) return;
  const key = context.key;
  logger.info(
    {
      requestId: context.requestId,
      method: context.method,
      route: context.routeTemplate,
      status: context.status,
      keyId: key?.id,
      organizationId: key?.family === 'org' ? key.ownerId : undefined,
      partnerId: key?.family === 'partner' ? key.ownerId : undefined,
      errorCode: context.errorCode,
      durationMs: Math.round(durationMs * 100) / 100,
      aborted: aborted || undefined,
    },
    'request',
  );
}
