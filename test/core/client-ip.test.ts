// The client address behind trusted proxies: X-Forwarded-For is read from the
// right and only when the peer is trusted; what a client writes itself is never
// the answer unless every proxy in between vouches for it.
import t from 'tap';
import { clientIp, MAX_TRUSTED_PROXIES, parseTrustedProxies } from '../../core/client-ip.js';
import { compileAllowlist } from '../../core/ip-allowlist.js';

const PROXIES = ['10.0.0.0/8', '2001:db8:f::/48'];
const trusted = compileAllowlist(PROXIES);

// [what it shows, peer, X-Forwarded-For, client address].
const CASES: [name: string, peer: string | undefined, xff: string | string[] | undefined, client: string | undefined][] = [
  ['untrusted peer, no XFF', '203.0.113.9', undefined, '203.0.113.9'],
  ['XFF spoofed from an untrusted peer is ignored', '203.0.113.9', '10.0.0.1, 198.51.100.1', '203.0.113.9'],
  ['XFF spoofed from an untrusted IPv6 peer is ignored', '2001:db8::9', '1.2.3.4', '2001:db8::9'],
  ['closed socket', undefined, '1.2.3.4', undefined],
  ['trusted peer, XFF absent: the peer', '10.0.0.1', undefined, '10.0.0.1'],
  ['trusted peer, XFF empty: the peer', '10.0.0.1', '', '10.0.0.1'],
  ['trusted peer, XFF only separators: the peer', '10.0.0.1', ' , ,', '10.0.0.1'],
  ['trusted peer, XFF with no fields: the peer', '10.0.0.1', [], '10.0.0.1'],
  ['trusted peer: the XFF entry', '10.0.0.1', '198.51.100.7', '198.51.100.7'],
  [
    'fake entries prepended by the client are skipped: the right-most untrusted',
    '10.0.0.1',
    '6.6.6.6, 10.9.9.9, 198.51.100.7',
    '198.51.100.7',
  ],
  ['a chain of trusted proxies is walked past', '10.0.0.1', '6.6.6.6, 198.51.100.7, 10.0.0.3, 10.0.0.2', '198.51.100.7'],
  ['every entry trusted: the left-most', '10.0.0.1', '10.0.0.5, 10.0.0.4', '10.0.0.5'],
  ['several fields are one list in order', '10.0.0.1', ['6.6.6.6, 198.51.100.7', '10.0.0.3'], '198.51.100.7'],
  ['the last field is read first', '10.0.0.1', ['6.6.6.6', '198.51.100.7'], '198.51.100.7'],
  ['empty fields and elements are skipped', '10.0.0.1', ['198.51.100.7,,', '', ' ,10.0.0.3'], '198.51.100.7'],
  ['OWS (spaces and tabs) is trimmed', '10.0.0.1', ' \t198.51.100.7\t , 10.0.0.3 ', '198.51.100.7'],
  ['no spaces at all', '10.0.0.1', '6.6.6.6,198.51.100.7', '198.51.100.7'],
  ['IPv4-mapped trusted peer', '::ffff:10.0.0.1', '198.51.100.7', '198.51.100.7'],
  ['IPv4-mapped untrusted peer, as given', '::ffff:203.0.113.9', '198.51.100.7', '::ffff:203.0.113.9'],
  ['IPv4-mapped trusted entry is walked past', '10.0.0.1', '198.51.100.7, ::ffff:10.0.0.3', '198.51.100.7'],
  ['IPv6 trusted peer and IPv6 client', '2001:db8:f::1', '2001:db8:1::5', '2001:db8:1::5'],
  ['IPv6 trusted entry is walked past', '10.0.0.1', '2001:db8:1::5, 2001:DB8:F::2', '2001:db8:1::5'],
  ['an invalid right-most entry is the client (matches no allowlist)', '10.0.0.1', '198.51.100.7, unknown', 'unknown'],
  ['an entry with a port is invalid and is the client', '10.0.0.1', '6.6.6.6, 198.51.100.7:5678', '198.51.100.7:5678'],
  ['a bracketed IPv6 with a port is the client as written', '10.0.0.1', '[2001:db8::1]:443', '[2001:db8::1]:443'],
  ['an invalid entry left of the client is never read', '10.0.0.1', 'garbage, 198.51.100.7', '198.51.100.7'],
  ['an invalid entry stops the walk before a client-written address', '10.0.0.1', '6.6.6.6, _hidden, 10.0.0.3', '_hidden'],
  ['a CIDR is not an address', '10.0.0.1', '198.51.100.0/24', '198.51.100.0/24'],
];

t.test('clientIp', async (t) => {
  for (const [name, peer, xff, client] of CASES) t.equal(clientIp(peer, xff, trusted), client, name);
});

t.test('clientIp with no trusted proxies always answers the peer', async (t) => {
  const none = compileAllowlist([]);
  t.equal(clientIp('10.0.0.1', '198.51.100.7', none), '10.0.0.1');
  t.equal(clientIp('::1', '198.51.100.7', none), '::1');
});

t.test('clientIp trusting everyone (0.0.0.0/0) answers the left-most entry', async (t) => {
  t.equal(clientIp('10.0.0.1', '1.1.1.1, 2.2.2.2', compileAllowlist(['0.0.0.0/0'])), '1.1.1.1');
});

t.test('parseTrustedProxies', async (t) => {
  t.same(parseTrustedProxies(undefined), { ok: true, trustedProxies: [] }, 'absent: the empty list');
  t.same(parseTrustedProxies(null), { ok: true, trustedProxies: [] }, 'an empty settings key: the empty list');
  t.same(parseTrustedProxies([]), { ok: true, trustedProxies: [] });
  t.same(parseTrustedProxies(['10.1.2.3/8', '::ffff:192.0.2.1', 'FD00::/8']), {
    ok: true,
    trustedProxies: ['10.0.0.0/8', '192.0.2.1', 'fd00::/8'],
  });
  t.same(parseTrustedProxies('10.0.0.0/8'), {
    ok: false,
    problem: 'server.trustedProxies must be an array of IP addresses or CIDRs, not a string',
  });
  t.same(parseTrustedProxies(['10.0.0.0/33', 'lb.internal', '10.0.0.0/8', '10.2.0.0/8']), {
    ok: false,
    problem:
      'server.trustedProxies has 3 invalid entries: ' +
      '[0] "10.0.0.0/33": prefix length 33 is out of range 0–32 for IPv4; ' +
      '[1] "lb.internal": not an IPv4 or IPv6 address or CIDR (hostnames and ports are not accepted); ' +
      '[3] "10.2.0.0/8" duplicates [2] "10.0.0.0/8" (both are 10.0.0.0/8)',
  });
  const many = Array.from({ length: MAX_TRUSTED_PROXIES + 1 }, (_, i) => `10.${i >> 8}.${i & 255}.0/24`);
  t.same(parseTrustedProxies(many.slice(0, -1)).ok, true, `${MAX_TRUSTED_PROXIES} entries`);
  t.same(parseTrustedProxies(many), {
    ok: false,
    problem: `server.trustedProxies has ${MAX_TRUSTED_PROXIES + 1} entries; at most ${MAX_TRUSTED_PROXIES} are allowed`,
  });
});
