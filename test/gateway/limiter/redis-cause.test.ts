// describeRedisError, table-driven: Node socket and DNS errors (as Node
// builds them: code, syscall, message), ioredis' own messages, Redis error
// replies (ioredis' ReplyError), the limiter's own deadline, sentinel and
// cluster wrappers; an unknown error falls back to its message.
import { ReplyError } from 'ioredis';
import t from 'tap';
import { describeRedisError, RedisCommandTimeoutError } from '../../../gateway/limiter/redis-cause.js';

/** An error shaped as Node's net and dns modules shape theirs. */
const nodeError = (message: string, code: string, syscall: string) => Object.assign(new Error(message), { code, syscall });

const ROWS: [string, unknown, string | RegExp][] = [
  ['refused', nodeError('connect ECONNREFUSED 127.0.0.1:6390', 'ECONNREFUSED', 'connect'), 'connection refused'],
  ["ioredis' connect timeout", nodeError('connect ETIMEDOUT', 'ETIMEDOUT', 'connect'), 'timed out connecting'],
  ['a socket timeout after connecting', nodeError('read ETIMEDOUT', 'ETIMEDOUT', 'read'), 'connection timed out'],
  ['unknown host', nodeError('getaddrinfo ENOTFOUND cache.invalid', 'ENOTFOUND', 'getaddrinfo'), 'host not found (DNS)'],
  ['DNS not answering', nodeError('getaddrinfo EAI_AGAIN cache', 'EAI_AGAIN', 'getaddrinfo'), /^host lookup failed.*DNS.*temporary/],
  ['reset', nodeError('read ECONNRESET', 'ECONNRESET', 'read'), 'connection reset'],
  ['broken pipe', nodeError('write EPIPE', 'EPIPE', 'write'), /^connection broken/],
  ['host unreachable', nodeError('connect EHOSTUNREACH 10.0.0.9:6379', 'EHOSTUNREACH', 'connect'), 'host unreachable'],
  [
    'TLS to a plain-text port',
    Object.assign(new Error('SSL routines::wrong version number'), { code: 'ERR_SSL_WRONG_VERSION_NUMBER' }),
    'TLS handshake failed',
  ],
  [
    'an untrusted certificate',
    Object.assign(new Error('self-signed certificate'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }),
    /^TLS handshake failed \(.*not trusted\)$/,
  ],
  [
    'an expired certificate',
    Object.assign(new Error('certificate has expired'), { code: 'CERT_HAS_EXPIRED' }),
    /^TLS handshake failed \(.*expired\)$/,
  ],
  [
    'the wrong host in the certificate',
    Object.assign(new Error("Hostname/IP does not match certificate's altnames"), { code: 'ERR_TLS_CERT_ALTNAME_INVALID' }),
    /^TLS handshake failed \(.*this host\)$/,
  ],
  [
    'a code only in the message (sentinel and cluster wrappers keep only messages)',
    new Error('connect ECONNREFUSED 10.0.0.5:26379'),
    'connection refused',
  ],
  [
    'several addresses tried for one name',
    Object.assign(new AggregateError([nodeError('connect ECONNREFUSED ::1:6390', 'ECONNREFUSED', 'connect')], '')),
    'connection refused',
  ],
  [
    'no offline queue',
    new Error("Stream isn't writeable and enableOfflineQueue options is false"),
    'not connected (commands are not queued while Redis is down)',
  ],
  [
    'no offline queue (cluster)',
    new Error("Cluster isn't ready and enableOfflineQueue options is false"),
    'not connected (commands are not queued while Redis is down)',
  ],
  ['closed', new Error('Connection is closed.'), 'connection closed'],
  ['aborted in flight', new Error('Command aborted due to connection close'), 'connection closed before Redis answered'],
  ["ioredis' backstop timeout", new Error('Command timed out'), 'command timed out (no answer from Redis)'],
  ["the limiter's own deadline", new RedisCommandTimeoutError(50), 'command timed out after 50 ms'],
  [
    'wrong password (ACL)',
    new ReplyError('WRONGPASS invalid username-password pair or user is disabled.'),
    'authentication failed (wrong password or user)',
  ],
  ['wrong password (Redis < 6)', new ReplyError('ERR invalid password'), 'authentication failed (wrong password or user)'],
  ['no password given', new ReplyError('NOAUTH Authentication required.'), /^authentication required/],
  ['no password, found by the ready check', new Error('Ready check failed: NOAUTH Authentication required.'), /^authentication required/],
  ['ACL forbids the script', new ReplyError("NOPERM User gateway has no permissions to run the 'evalsha' command"), /^permission denied/],
  ['loading', new ReplyError('LOADING Redis is loading the dataset in memory'), /loading its data set/],
  ['a replica', new ReplyError("READONLY You can't write against a read only replica."), /read-only replica/],
  ['out of memory', new ReplyError("OOM command not allowed when used memory > 'maxmemory'."), /out of memory/],
  ['db out of range', new ReplyError('ERR DB index is out of range'), /database number out of range/],
  [
    'no sentinel',
    new Error('All sentinels are unreachable. Retrying from scratch after 100ms. Last error: connect ECONNREFUSED 127.0.0.1:26379'),
    'no sentinel reachable (last: connection refused)',
  ],
  [
    "no sentinel (ioredis' word for a refused sentinel)",
    new Error('All sentinels are unreachable. Retrying from scratch after 100ms. Last error: Connection is closed.'),
    'no sentinel reachable (last: connection refused or closed)',
  ],
  ['no sentinel, no last error', new Error('All sentinels are unreachable. Retrying from scratch after 100ms.'), 'no sentinel reachable'],
  [
    'no slot map',
    Object.assign(new Error('Failed to refresh slots cache.'), {
      lastNodeError: nodeError('connect ECONNREFUSED 10.0.0.5:7000', 'ECONNREFUSED', 'connect'),
    }),
    'cannot load the cluster slot map (last node: connection refused)',
  ],
  [
    "no slot map (ioredis' word for a refused node)",
    Object.assign(new Error('Failed to refresh slots cache.'), { lastNodeError: new Error('Connection is closed.') }),
    'cannot load the cluster slot map (last node: connection refused or closed)',
  ],
  ['no seed node', new Error('None of startup nodes is available'), 'no cluster seed node reachable'],
  ['cluster down', new ReplyError('CLUSTERDOWN The cluster is down'), 'the cluster is down'],
  [
    'unknown: its message',
    new Error('rate limiter: unexpected reply from the Redis script'),
    'rate limiter: unexpected reply from the Redis script',
  ],
  ['unknown code: its message', Object.assign(new Error('something odd'), { code: 'EWHATEVER' }), 'something odd'],
  ['not an Error', 'boom', 'boom'],
  ['undefined', undefined, 'undefined'],
];

t.test('each failure in plain words', async (t) => {
  for (const [name, err, expected] of ROWS) {
    const words = describeRedisError(err);
    if (typeof expected === 'string') t.equal(words, expected, name);
    else t.match(words, expected, name);
  }
});

t.test("the limiter's deadline error keeps a readable message of its own", async (t) => {
  const err = new RedisCommandTimeoutError(250);
  t.type(err, Error);
  t.equal(err.timeoutMs, 250);
  t.match(err.message, /within 250 ms/);
});
