// REDIS_URL, parsed strictly and purely. The accepted forms:
//
//   redis://[[user]:password@]host[:port][/db]            standalone (port 6379, db 0)
//   rediss://...                                          the same over TLS
//   redis+sentinel://[[user]:password@]host[:port][,host[:port]...]/master[/db][?sentinelUsername=u&sentinelPassword=p]
//                                                         Sentinel (port 26379): the path names the master set;
//                                                         user/password authenticate to the master, the
//                                                         sentinel* parameters to the sentinels
//   rediss+sentinel://...                                 Sentinel with TLS to the sentinels and the master
//   redis+cluster://[[user]:password@]host[:port][,host[:port]...]
//                                                         Cluster seed nodes (port 6379; db is always 0)
//   rediss+cluster://...                                  Cluster over TLS
//
// IPv6 hosts are bracketed ([::1]:6379). Reserved characters in credentials
// are percent-encoded. Anything else is a ConfigError whose message never
// repeats the credentials.
import { ConfigError } from '../../core/errors.js';

export interface HostPort {
  host: string;
  port: number;
}

interface Auth {
  username?: string;
  password?: string;
  tls: boolean;
}

export type RedisTarget =
  | (Auth & { mode: 'standalone'; host: string; port: number; db: number })
  | (Auth & { mode: 'sentinel'; sentinels: HostPort[]; name: string; db: number; sentinelUsername?: string; sentinelPassword?: string })
  | (Auth & { mode: 'cluster'; nodes: HostPort[] });

const SCHEMES = {
  redis: ['standalone', false],
  rediss: ['standalone', true],
  'redis+sentinel': ['sentinel', false],
  'rediss+sentinel': ['sentinel', true],
  'redis+cluster': ['cluster', false],
  'rediss+cluster': ['cluster', true],
} as const;

const URL_SHAPE = /^([a-z+]+):\/\/(?:([^@/?#]*)@)?([^/?#]*)(\/[^?#]*)?(?:\?([^#]*))?$/i;
const HOST_PORT = /^(?:\[([0-9a-f:.]+)\]|([a-z0-9._-]+))(?::(\d{1,5}))?$/i;

/** The accepted forms in one line, for messages (the container ships no sources to point at). */
const FORMS =
  'redis://[[user]:password@]host[:port][/db], rediss://... (TLS), ' +
  'redis+sentinel://[[user]:password@]host[:port][,host[:port]...]/master[/db] (or rediss+sentinel://...) ' +
  'or redis+cluster://[[user]:password@]host[:port][,host[:port]...] (or rediss+cluster://...)';

const fail = (problem: string): never => {
  throw new ConfigError('Invalid REDIS_URL', [problem]);
};

export function parseRedisUrl(url: string): RedisTarget {
  const shape = URL_SHAPE.exec(url.trim());
  if (!shape) return fail(`expected ${FORMS}`);
  const [, rawScheme = '', userinfo, hosts = '', path = '', query] = shape;
  const scheme = rawScheme.toLowerCase();
  if (!(scheme in SCHEMES)) return fail(`unknown scheme "${scheme}" (expected ${Object.keys(SCHEMES).join(', ')})`);
  const [mode, tls] = SCHEMES[scheme as keyof typeof SCHEMES];
  const auth: Auth = { tls, ...parseUserinfo(userinfo) };
  const params = new URLSearchParams(query ?? '');

  if (mode === 'standalone') {
    noParams(params, []);
    const [node, ...more] = parseHosts(hosts, 6379);
    if (!node || more.length) return fail('a standalone URL names exactly one host');
    return { mode, ...auth, ...node, db: parseDb(path.slice(1)) };
  }
  if (mode === 'sentinel') {
    noParams(params, ['sentinelUsername', 'sentinelPassword']);
    const [, name = '', db = '', extra] = path.split('/');
    if (!name || extra !== undefined) return fail('a Sentinel URL ends in /<master name>[/<db>]');
    const target: RedisTarget = { mode, ...auth, sentinels: parseHosts(hosts, 26379), name: decodeURIComponent(name), db: parseDb(db) };
    const sentinelUsername = params.get('sentinelUsername');
    const sentinelPassword = params.get('sentinelPassword');
    if (sentinelUsername !== null) target.sentinelUsername = sentinelUsername;
    if (sentinelPassword !== null) target.sentinelPassword = sentinelPassword;
    return target;
  }
  noParams(params, []);
  if (path !== '' && path !== '/') return fail('a Cluster URL has no path (Cluster has only db 0)');
  return { mode, ...auth, nodes: parseHosts(hosts, 6379) };
}

function parseUserinfo(userinfo: string | undefined): Omit<Auth, 'tls'> {
  if (userinfo === undefined || userinfo === '') return {};
  const colon = userinfo.indexOf(':');
  const decode = (part: string) => {
    try {
      return decodeURIComponent(part);
    } catch {
      return fail('credentials are not valid percent-encoding');
    }
  };
  const username = decode(colon === -1 ? userinfo : userinfo.slice(0, colon));
  const password = colon === -1 ? '' : decode(userinfo.slice(colon + 1));
  const result: Omit<Auth, 'tls'> = {};
  if (username) result.username = username;
  if (password) result.password = password;
  return result;
}

function parseHosts(hosts: string, defaultPort: number): HostPort[] {
  if (hosts === '') return fail('no host given');
  return hosts.split(',').map((item) => {
    const match = HOST_PORT.exec(item);
    if (!match) return fail(`"${item}" is not host[:port]`);
    const port = match[3] === undefined ? defaultPort : Number(match[3]);
    if (port < 1 || port > 65535) return fail(`port ${port} out of range`);
    return { host: (match[1] ?? match[2]) as string, port };
  });
}

function parseDb(text: string): number {
  if (text === '') return 0;
  if (!/^\d{1,5}$/.test(text)) return fail(`database "${text}" is not a number`);
  return Number(text);
}

function noParams(params: URLSearchParams, allowed: string[]): void {
  for (const name of params.keys()) {
    if (!allowed.includes(name)) fail(`unknown query parameter "${name}"`);
  }
}

const hostPort = ({ host, port }: HostPort): string => (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`);

/**
 * Where `target` points, for log lines: `10.0.0.5:6379`, `mymaster via
 * sentinels s1:26379,s2:26379`, `cluster n1:6379,n2:6379`. Never the
 * credentials, which is why logs carry this and not the URL.
 */
export function redisAddress(target: RedisTarget): string {
  if (target.mode === 'standalone') return hostPort(target);
  if (target.mode === 'sentinel') return `${target.name} via sentinels ${target.sentinels.map(hostPort).join(',')}`;
  return `cluster ${target.nodes.map(hostPort).join(',')}`;
}
