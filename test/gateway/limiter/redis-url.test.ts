// REDIS_URL forms, table-driven: standalone, TLS, Sentinel and Cluster, and
// clear errors that never repeat the credentials nor point at source files;
// the credential-free address used in log lines.
import t from 'tap';
import { ConfigError } from '../../../core/errors.js';
import { parseRedisUrl, redisAddress, type RedisTarget } from '../../../gateway/limiter/redis-url.js';

const ROWS: [string, RedisTarget][] = [
  ['redis://127.0.0.1:6380', { mode: 'standalone', tls: false, host: '127.0.0.1', port: 6380, db: 0 }],
  ['redis://cache', { mode: 'standalone', tls: false, host: 'cache', port: 6379, db: 0 }],
  ['redis://:s%40cret@cache:6379/2', { mode: 'standalone', tls: false, password: 's@cret', host: 'cache', port: 6379, db: 2 }],
  [
    'rediss://gateway:pw@cache.example.com',
    { mode: 'standalone', tls: true, username: 'gateway', password: 'pw', host: 'cache.example.com', port: 6379, db: 0 },
  ],
  ['redis://[::1]:7000', { mode: 'standalone', tls: false, host: '::1', port: 7000, db: 0 }],
  [
    'redis+sentinel://s1,s2:26380/mymaster',
    {
      mode: 'sentinel',
      tls: false,
      sentinels: [
        { host: 's1', port: 26379 },
        { host: 's2', port: 26380 },
      ],
      name: 'mymaster',
      db: 0,
    },
  ],
  [
    'rediss+sentinel://:pw@s1:26379/mymaster/3?sentinelPassword=sp',
    {
      mode: 'sentinel',
      tls: true,
      password: 'pw',
      sentinels: [{ host: 's1', port: 26379 }],
      name: 'mymaster',
      db: 3,
      sentinelPassword: 'sp',
    },
  ],
  [
    'redis+cluster://n1:7000,n2:7001,[2001:db8::1]:7002',
    {
      mode: 'cluster',
      tls: false,
      nodes: [
        { host: 'n1', port: 7000 },
        { host: 'n2', port: 7001 },
        { host: '2001:db8::1', port: 7002 },
      ],
    },
  ],
  ['rediss+cluster://u:p@n1', { mode: 'cluster', tls: true, username: 'u', password: 'p', nodes: [{ host: 'n1', port: 6379 }] }],
];

t.test('accepted forms', async (t) => {
  for (const [url, target] of ROWS) t.same(parseRedisUrl(url), target, url);
});

const BAD: [string, RegExp][] = [
  [
    'cache:6379',
    /expected redis:\/\/\[\[user\]:password@\]host\[:port\]\[\/db\], rediss:\/\/.*redis\+sentinel:\/\/.*\/master\[\/db\].*redis\+cluster:\/\//,
  ],
  ['http://cache', /unknown scheme "http"/],
  ['redis://a,b', /exactly one host/],
  ['redis://cache:99999', /out of range/],
  ['redis://cache/x', /database "x"/],
  ['redis://cache?enableOfflineQueue=true', /unknown query parameter "enableOfflineQueue"/],
  ['redis+sentinel://s1', /ends in \/<master name>/],
  ['redis+cluster://n1/1', /no path/],
  ['redis://', /no host/],
];

t.test('rejected forms', async (t) => {
  for (const [url, message] of BAD) t.throws(() => parseRedisUrl(url), message, url);
  t.throws(() => parseRedisUrl('redis://cache'.replace('cache', 'ca che')), ConfigError);
});

t.test('messages name the accepted forms in words, not a source file to read', async (t) => {
  for (const [url] of BAD) {
    try {
      parseRedisUrl(url);
      t.fail(`${url} should throw`);
    } catch (err) {
      t.type(err, ConfigError);
      t.notMatch((err as ConfigError).message, /\.(ts|js)\b|gateway\//, url); // the message lists the problems
    }
  }
});

t.test('the address for log lines: host:port, sentinels with the master, cluster seeds; never credentials', async (t) => {
  const rows: [string, string][] = [
    ['redis://:s%40cret@127.0.0.1:6380/2', '127.0.0.1:6380'],
    ['rediss://gateway:pw@cache.example.com', 'cache.example.com:6379'],
    ['redis://[::1]:7000', '[::1]:7000'],
    ['rediss+sentinel://u:pw@s1,s2:26380/mymaster/3?sentinelPassword=sp', 'mymaster via sentinels s1:26379,s2:26380'],
    ['redis+cluster://u:p@n1:7000,[2001:db8::1]:7002', 'cluster n1:7000,[2001:db8::1]:7002'],
  ];
  for (const [url, address] of rows) t.equal(redisAddress(parseRedisUrl(url)), address, url);
});

t.test('errors never repeat the credentials', async (t) => {
  try {
    parseRedisUrl('redis://user:hunter2@cache:99999');
    t.fail('should throw');
  } catch (err) {
    t.type(err, ConfigError);
    t.notMatch((err as Error).message, /hunter2/);
  }
});
