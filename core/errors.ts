// The one error hierarchy of the project. Every failure a client can see is an
// ApiError with a stable machine-readable `code`; core/problem.ts is the one
// place that turns it into a response. Anything else that escapes a handler is
// a bug: it becomes a generic 500 and is logged in full.

/** Every public error code, with its HTTP status and RFC 9457 title. */
export const ERROR_CODES = {
  // 400: the request itself is unusable
  malformed_request: [400, 'Bad Request'],
  invalid_request_target: [400, 'Bad Request'],
  invalid_header: [400, 'Bad Request'],
  ambiguous_credentials: [400, 'Bad Request'],
  invalid_json: [400, 'Bad Request'],
  invalid_body: [400, 'Bad Request'],
  invalid_parameter: [400, 'Bad Request'],
  upgrade_not_allowed: [400, 'Bad Request'],
  // 401: who are you?
  missing_key: [401, 'Unauthorized'],
  malformed_key: [401, 'Unauthorized'],
  invalid_key: [401, 'Unauthorized'],
  key_revoked: [401, 'Unauthorized'],
  key_expired: [401, 'Unauthorized'],
  // 403: you may not
  wrong_organization: [403, 'Forbidden'],
  insufficient_scope: [403, 'Forbidden'],
  scope_escalation: [403, 'Forbidden'],
  ip_not_allowed: [403, 'Forbidden'],
  // 404 and other client errors
  not_found: [404, 'Not Found'],
  key_inactive: [409, 'Conflict'],
  route_not_found: [404, 'Not Found'],
  method_not_allowed: [405, 'Method Not Allowed'],
  request_timeout: [408, 'Request Timeout'],
  payload_too_large: [413, 'Content Too Large'],
  unsupported_media_type: [415, 'Unsupported Media Type'],
  headers_too_large: [431, 'Request Header Fields Too Large'],
  rate_limited: [429, 'Too Many Requests'],
  quota_exceeded: [429, 'Too Many Requests'],
  too_many_failed_authentications: [429, 'Too Many Requests'],
  too_many_concurrent_requests: [429, 'Too Many Requests'],
  // 5xx: our side or the upstream's
  internal: [500, 'Internal Server Error'],
  bad_gateway: [502, 'Bad Gateway'],
  rate_limiter_unavailable: [503, 'Service Unavailable'],
  store_unavailable: [503, 'Service Unavailable'],
  not_ready: [503, 'Service Unavailable'],
  gateway_timeout: [504, 'Gateway Timeout'],
} as const satisfies Record<string, readonly [number, string]>;

/**
 * Codes that are never sent, so not part of the public table (nor the OpenAPI enum): what logs and
 * metrics record for a request whose client disconnected before its response was complete, after
 * nginx's 499.
 */
export const LOGGED_ONLY_CODES = {
  client_closed_request: [499, 'Client Closed Request'],
} as const satisfies Record<string, readonly [number, string]>;

/** A code a client may receive. */
export type PublicErrorCode = keyof typeof ERROR_CODES;
export type ErrorCode = PublicErrorCode | keyof typeof LOGGED_ONLY_CODES;
const STATUS_AND_TITLE: Record<ErrorCode, readonly [number, string]> = { ...ERROR_CODES, ...LOGGED_ONLY_CODES };

export interface ApiErrorOptions {
  /** Extra response headers (Retry-After, WWW-Authenticate, ...). */
  headers?: Record<string, string>;
  /** Private context for the log line; never sent to the client. */
  context?: Record<string, unknown>;
  /** Extra public members of the problem body (RFC 9457 extension members). */
  extensions?: Record<string, unknown>;
  cause?: unknown;
}

/** An error the client is meant to see: `message` is the public `detail`. */
export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly title: string;
  readonly headers: Record<string, string> | undefined;
  readonly context: Record<string, unknown> | undefined;
  readonly extensions: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, detail: string, options: ApiErrorOptions = {}) {
    super(detail, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ApiError';
    this.code = code;
    [this.status, this.title] = STATUS_AND_TITLE[code];
    this.headers = options.headers;
    this.context = options.context;
    this.extensions = options.extensions;
  }
}

export const isApiError = (err: unknown): err is ApiError => err instanceof ApiError;

/**
 * A failure that is not the client's business: bad configuration, a failed
 * migration, an invalid command line. Printed for operators, never sent.
 */
export class ConfigError extends Error {
  readonly problems: readonly string[];
  constructor(message: string, problems: readonly string[] = []) {
    super(problems.length ? `${message}\n  - ${problems.join('\n  - ')}` : message);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** A wrong command line: printed with a pointer to --help, exit code 1 (core/cli-kit.ts). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
