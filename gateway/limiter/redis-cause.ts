// Why Redis failed, in words an operator can act on, for the limiter's state
// log lines. ioredis and Node report failures in their own terms ("Stream
// isn't writeable and enableOfflineQueue options is false", "connect
// ECONNREFUSED 10.0.0.5:6379"); describeRedisError maps the ones the limiter
// meets to plain words and falls back to the error's own message. Pure: no
// I/O, and nothing from the error but its code, message and nested cause, so a
// description never carries more than the error did (never credentials: no
// ioredis or Node error includes them).

/** The limiter's own deadline for a batch of takes (redis-limiter.ts throws it). */
export class RedisCommandTimeoutError extends Error {
  readonly timeoutMs: number;
  constructor(timeoutMs: number) {
    super(`rate limiter: no answer from Redis within ${timeoutMs} ms`);
    this.name = 'RedisCommandTimeoutError';
    this.timeoutMs = timeoutMs;
  }
}

const NOT_QUEUED = 'not connected (commands are not queued while Redis is down)';

/** Node socket and DNS error codes. */
const BY_CODE: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection broken (Redis closed it while we were writing)',
  ECONNABORTED: 'connection aborted',
  ENOTFOUND: 'host not found (DNS)',
  EAI_AGAIN: 'host lookup failed, DNS did not answer (temporary)',
  EAI_FAIL: 'host lookup failed (DNS)',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EHOSTDOWN: 'host down',
  EADDRNOTAVAIL: 'address not available on this machine',
  CERT_HAS_EXPIRED: 'TLS handshake failed (the server certificate has expired)',
  ERR_TLS_CERT_ALTNAME_INVALID: 'TLS handshake failed (the server certificate does not name this host)',
};

/** ioredis' own messages, matched whole. */
const BY_MESSAGE: Readonly<Record<string, string>> = {
  "Stream isn't writeable and enableOfflineQueue options is false": NOT_QUEUED,
  "Cluster isn't ready and enableOfflineQueue options is false": NOT_QUEUED,
  'Connection is closed.': 'connection closed',
  'Command aborted due to connection close': 'connection closed before Redis answered',
  'Command timed out': 'command timed out (no answer from Redis)',
  'None of startup nodes is available': 'no cluster seed node reachable',
  'Cluster is disconnected.': 'cluster connection closed',
  'Cluster is ended.': 'cluster connection closed',
};

/** Redis error replies, by their first word. */
const BY_REPLY: Readonly<Record<string, string>> = {
  WRONGPASS: 'authentication failed (wrong password or user)',
  NOAUTH: 'authentication required (REDIS_URL gives no password)',
  NOPERM: "permission denied (the Redis user may not run the limiter's commands)",
  LOADING: 'Redis is loading its data set (just restarted)',
  READONLY: 'connected to a read-only replica, not the primary',
  OOM: 'Redis is out of memory (maxmemory reached)',
  BUSY: 'Redis is busy running a script',
  MASTERDOWN: 'the replica has lost its primary',
  CLUSTERDOWN: 'the cluster is down',
};

const NODE_CODE_IN_MESSAGE = /^(?:connect|getaddrinfo|read|write) ([A-Z_]+)\b/;
const SENTINELS_DOWN = /^All sentinels are unreachable\b.*?(?: Last error: (.*))?$/s;

interface ErrorLike {
  message?: unknown;
  code?: unknown;
  syscall?: unknown;
  errors?: unknown;
  lastNodeError?: unknown;
}

export function describeRedisError(err: unknown): string {
  if (err instanceof RedisCommandTimeoutError) return `command timed out after ${err.timeoutMs} ms`;
  if (typeof err !== 'object' || err === null) return String(err);
  const e = err as ErrorLike;
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- an error-like object without a message: its own toString is the best words left
  const message = typeof e.message === 'string' ? e.message : String(err);
  const code = typeof e.code === 'string' ? e.code : undefined;
  if (code !== undefined) {
    const words = describeCode(code, e.syscall);
    if (words !== undefined) return words;
  }
  // Several addresses tried (IPv4 and IPv6 for one name): the first failure stands for them.
  if (Array.isArray(e.errors) && e.errors.length > 0 && code === undefined) return describeRedisError(e.errors[0]);
  return describeMessage(message, e) ?? message;
}

function describeCode(code: string, syscall: unknown): string | undefined {
  if (code === 'ETIMEDOUT') return syscall === 'connect' ? 'timed out connecting' : 'connection timed out';
  const known = BY_CODE[code];
  if (known !== undefined) return known;
  if (code === 'EPROTO' || code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_')) return 'TLS handshake failed';
  if (code.includes('CERT') || code.includes('SIGNATURE') || code.includes('ISSUER'))
    return 'TLS handshake failed (the server certificate is not trusted)';
  return undefined;
}

function describeMessage(message: string, e: ErrorLike): string | undefined {
  const known = BY_MESSAGE[message];
  if (known !== undefined) return known;
  const nodeCode = NODE_CODE_IN_MESSAGE.exec(message)?.[1];
  if (nodeCode !== undefined) return describeCode(nodeCode, message.startsWith('connect ') ? 'connect' : undefined);
  const firstWord = /^[A-Z]+/.exec(message)?.[0];
  const reply = firstWord === undefined ? undefined : BY_REPLY[firstWord];
  if (reply !== undefined) return reply;
  // Redis before 6 answers a wrong password with a plain ERR.
  if (/^ERR invalid (?:username-)?password/i.test(message)) return BY_REPLY.WRONGPASS;
  if (message.startsWith('ERR DB index is out of range')) return 'database number out of range for this Redis';
  if (message.startsWith('Ready check failed: ')) return describeRedisError({ message: message.slice('Ready check failed: '.length) });
  if (message === 'Failed to refresh slots cache.') {
    const last = e.lastNodeError === undefined || e.lastNodeError === null ? '' : ` (last node: ${describeInner(e.lastNodeError)})`;
    return `cannot load the cluster slot map${last}`;
  }
  if (message.startsWith('Too many Cluster redirections')) return 'too many cluster redirections (slots are moving)';
  const sentinels = SENTINELS_DOWN.exec(message);
  if (sentinels)
    return sentinels[1] === undefined
      ? 'no sentinel reachable'
      : `no sentinel reachable (last: ${describeInner({ message: sentinels[1] })})`;
  return undefined;
}

/**
 * A cluster node's or sentinel's failure. ioredis reports a refused
 * connection to one of those as "Connection is closed.", so that message
 * cannot tell the two apart.
 */
function describeInner(err: unknown): string {
  const words = describeRedisError(err);
  return words === BY_MESSAGE['Connection is closed.'] ? 'connection refused or closed' : words;
}
