// Per-key IP allowlists: what parseAllowedIps accepts and its normal form,
// what it refuses and how it says so, and what the compiled matcher admits.
import { isIP } from 'node:net';
import t from 'tap';
import { compileAllowlist, isIpAddress, MAX_ALLOWED_IPS, normalizeIpEntry, parseAllowedIps } from '../../core/ip-allowlist.js';

// Accepted entry → its normal form.
const NORMALIZED: [input: string, normalized: string][] = [
  ['10.0.0.1', '10.0.0.1'],
  ['0.0.0.0', '0.0.0.0'],
  ['255.255.255.255', '255.255.255.255'],
  ['10.0.0.1/32', '10.0.0.1'],
  ['10.0.0.0/8', '10.0.0.0/8'],
  ['10.1.2.3/8', '10.0.0.0/8'],
  ['192.168.1.77/24', '192.168.1.0/24'],
  ['1.2.3.4/0', '0.0.0.0/0'],
  ['0.0.0.0/0', '0.0.0.0/0'],
  ['::1', '::1'],
  ['::', '::'],
  ['::/0', '::/0'],
  ['2001:DB8::1', '2001:db8::1'],
  ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
  ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
  ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
  ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'],
  ['1:2:3:4:5:6:7::', '1:2:3:4:5:6:7:0'],
  ['::2:3:4:5:6:7:8', '0:2:3:4:5:6:7:8'],
  ['fe80::1:2:3:4/64', 'fe80::/64'],
  ['2001:db8:abcd:12:ffff::/64', '2001:db8:abcd:12::/64'],
  ['2001:db8::/128', '2001:db8::'],
  ['::ffff:1.2.3.4', '1.2.3.4'],
  ['::FFFF:1.2.3.4', '1.2.3.4'],
  ['::ffff:102:304', '1.2.3.4'],
  ['0:0:0:0:0:ffff:1.2.3.4', '1.2.3.4'],
  ['::ffff:1.2.3.0/120', '1.2.3.0/24'],
  ['::ffff:1.2.3.4/128', '1.2.3.4'],
  ['::ffff:0:0/96', '0.0.0.0/0'],
  ['::ffff:1.2.3.4/95', '::fffe:0:0/95'],
  ['::1.2.3.4', '::102:304'],
  ['64:ff9b::1.2.3.4', '64:ff9b::102:304'],
];

t.test('accepted entries and their normal form', async (t) => {
  for (const [input, normalized] of NORMALIZED) {
    t.same(normalizeIpEntry(input), { ok: true, normalized }, input);
    t.same(normalizeIpEntry(normalized), { ok: true, normalized }, `${normalized} is a fixed point`);
  }
});

// Refused entry → a fragment of the reason.
const REFUSED: [input: string, reason: RegExp][] = [
  ['', /empty string/],
  [' 10.0.0.1', /whitespace/],
  ['10.0.0.1 ', /whitespace/],
  ['10.0.0.0/ 8', /whitespace/],
  ['example.com', /not an IPv4 or IPv6 address or CIDR \(hostnames/],
  ['localhost', /hostnames/],
  ['10.0.0', /not an IPv4/],
  ['10.0.0.1.2', /not an IPv4/],
  ['256.0.0.1', /not an IPv4/],
  ['1.2.3.4:80', /not an IPv4/],
  ['[::1]', /not an IPv4/],
  ['[::1]:80', /not an IPv4/],
  ['0x0a.0.0.1', /not an IPv4/],
  ['010.0.0.1', /leading zeros \(some parsers read them as octal\)/],
  ['10.0.0.01', /leading zeros/],
  ['10.0.0.0/33', /prefix length 33 is out of range 0–32 for IPv4/],
  ['::ffff:1.2.3.4/200', /prefix length 200 is out of range 0–128 for IPv6/],
  ['::/129', /out of range 0–128/],
  ['10.0.0.0/-1', /decimal number without sign or leading zeros/],
  ['10.0.0.0/+8', /without sign/],
  ['10.0.0.0/08', /leading zeros/],
  ['10.0.0.0/', /decimal number/],
  ['10.0.0.0/8/8', /decimal number/],
  ['10.0.0.0/1000', /decimal number/],
  ['/8', /not an IPv4/],
  ['fe80::1%eth0', /zone ids .* name an interface of one host, not a network/],
  ['fe80::1%1/64', /zone ids/],
  [':::', /not an IPv4/],
  [':1::', /not an IPv4/],
  ['1::2::3', /not an IPv4/],
  ['1:2:3:4:5:6:7:8:9', /not an IPv4/],
  ['1:2:3:4:5:6:7', /not an IPv4/],
  ['1:2:3:4::5:6:7:8', /not an IPv4/],
  ['12345::', /not an IPv4/],
  ['1:', /not an IPv4/],
  ['g::1', /not an IPv4/],
  ['::ffff:1.2.3', /not an IPv4/],
  ['::ffff:01.2.3.4', /not an IPv4/],
  ['1.2.3.4::', /not an IPv4/],
  ['1:2:3:4:5:6:7:1.2.3.4', /not an IPv4/],
];

t.test('refused entries and their reason', async (t) => {
  for (const [input, reason] of REFUSED) {
    const result = normalizeIpEntry(input);
    t.equal(result.ok, false, JSON.stringify(input));
    if (!result.ok) t.match(result.reason, reason, JSON.stringify(input));
  }
});

t.test('the address parser agrees with node:net on which bare addresses are valid', async (t) => {
  const corpus = [
    ...NORMALIZED.map(([input]) => input).filter((s) => !s.includes('/')),
    ...REFUSED.map(([input]) => input).filter((s) => !s.includes('/') && !s.includes('%') && !/\s/.test(s)),
    '1::',
    '::1:2:3:4:5:6:7',
    '1:2:3:4:5:6::8',
    'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff',
    '::ffff:255.255.255.255',
    '::ffff:256.1.1.1',
  ];
  for (const address of corpus) t.equal(normalizeIpEntry(address).ok, isIP(address) !== 0, address);
});

t.test('parseAllowedIps: null, lists, bounds', async (t) => {
  t.same(parseAllowedIps(null), { ok: true, allowedIps: null }, 'null allows any address');
  t.same(parseAllowedIps(['10.1.2.3/8', '::ffff:1.2.3.4', '2001:DB8::/32']), {
    ok: true,
    allowedIps: ['10.0.0.0/8', '1.2.3.4', '2001:db8::/32'],
  });
  t.same(
    parseAllowedIps(['10.0.0.0/8', '10.1.0.0/16']),
    { ok: true, allowedIps: ['10.0.0.0/8', '10.1.0.0/16'] },
    'overlaps are not duplicates',
  );
  t.match(parseAllowedIps([]), { ok: false, problem: 'allowedIps must not be empty; use null to allow any address' });
  const notLists: [value: unknown, described: string][] = [
    [undefined, 'undefined'],
    ['10.0.0.1', 'a string'],
    [42, 'a number'],
    [{}, 'an object'],
    [true, 'a boolean'],
  ];
  for (const [value, described] of notLists)
    t.same(
      parseAllowedIps(value),
      { ok: false, problem: `allowedIps must be an array of IP addresses or CIDRs, not ${described}` },
      described,
    );

  const hundred = Array.from({ length: MAX_ALLOWED_IPS }, (_, i) => `10.0.${i}.0/24`);
  t.same(parseAllowedIps(hundred), { ok: true, allowedIps: hundred }, '100 entries');
  t.same(
    parseAllowedIps([...hundred, '10.1.0.0/16']),
    { ok: false, problem: 'allowedIps has 101 entries; at most 100 are allowed' },
    '101 entries',
  );
});

t.test('parseAllowedIps names every invalid entry by index and value', async (t) => {
  const result = parseAllowedIps(['10.0.0.1', 'example.com', 7, '10.0.0.0/33', null, '', 'fe80::1%eth0', '010.0.0.1']);
  t.same(result, {
    ok: false,
    problem:
      'allowedIps has 7 invalid entries: ' +
      '[1] "example.com": not an IPv4 or IPv6 address or CIDR (hostnames and ports are not accepted); ' +
      '[2] is a number, not a string; ' +
      '[3] "10.0.0.0/33": prefix length 33 is out of range 0–32 for IPv4; ' +
      '[4] is null, not a string; ' +
      '[5] "": empty string; ' +
      '[6] "fe80::1%eth0": zone ids (%…) name an interface of one host, not a network; give the address without it; ' +
      '[7] "010.0.0.1": IPv4 octets must not have leading zeros (some parsers read them as octal)',
  });
  t.same(parseAllowedIps([['10.0.0.1'], { ip: '10.0.0.1' }, undefined]), {
    ok: false,
    problem:
      'allowedIps has 3 invalid entries: [0] is an array, not a string; [1] is an object, not a string; [2] is undefined, not a string',
  });
  t.same(parseAllowedIps(['::ffff:1.2.3.4/200']), {
    ok: false,
    problem: 'allowedIps has an invalid entry: [0] "::ffff:1.2.3.4/200": prefix length 200 is out of range 0–128 for IPv6',
  });
  const long = `${'a'.repeat(100)}.example`;
  const truncated = parseAllowedIps([long]);
  t.match(truncated, { ok: false, problem: `[0] "${'a'.repeat(60)}…": not an IPv4` }, 'values are truncated to 60 characters');
  t.notMatch(truncated, { problem: /example/ });
});

t.test('parseAllowedIps refuses duplicates after normalization, naming both', async (t) => {
  t.same(
    parseAllowedIps(['10.0.0.1', '192.168.0.0/16', '10.0.0.1/32', '::ffff:10.0.0.1', '192.168.7.7/16', '2001:db8::1', '2001:DB8:0::1']),
    {
      ok: false,
      problem:
        'allowedIps has 4 invalid entries: ' +
        '[2] "10.0.0.1/32" duplicates [0] "10.0.0.1" (both are 10.0.0.1); ' +
        '[3] "::ffff:10.0.0.1" duplicates [0] "10.0.0.1" (both are 10.0.0.1); ' +
        '[4] "192.168.7.7/16" duplicates [1] "192.168.0.0/16" (both are 192.168.0.0/16); ' +
        '[6] "2001:DB8:0::1" duplicates [5] "2001:db8::1" (both are 2001:db8::1)',
    },
  );
});

// Allowlist → addresses (as socket.remoteAddress gives them) it admits and refuses.
const MATCHES: [allowlist: string[], admitted: string[], refused: string[]][] = [
  [
    ['10.0.0.1'],
    ['10.0.0.1', '::ffff:10.0.0.1', '::FFFF:10.0.0.1', '::ffff:a00:1'],
    ['10.0.0.2', '10.0.0.0', '::ffff:10.0.0.2', '::a00:1', '1.2.3.4'],
  ],
  [['10.0.0.1/32'], ['10.0.0.1'], ['10.0.0.2']],
  [['10.0.0.0/8'], ['10.0.0.0', '10.255.255.255', '::ffff:10.20.30.40'], ['11.0.0.0', '9.255.255.255', '::10.0.0.1']],
  [['192.168.1.0/24'], ['192.168.1.0', '192.168.1.255'], ['192.168.2.0', '192.168.0.255']],
  [['128.0.0.0/1'], ['128.0.0.0', '255.255.255.255'], ['127.255.255.255', '0.0.0.0']],
  [['0.0.0.0/0'], ['0.0.0.0', '1.2.3.4', '255.255.255.255', '::ffff:1.2.3.4'], ['::1', '2001:db8::1']],
  [['::ffff:1.2.3.0/120'], ['1.2.3.0', '1.2.3.255', '::ffff:1.2.3.9'], ['1.2.4.0']],
  [['::1'], ['::1', '0:0:0:0:0:0:0:1'], ['::2', '127.0.0.1', '::']],
  [
    ['2001:db8:abcd:12::/64'],
    ['2001:db8:abcd:12::1', '2001:db8:abcd:12:ffff:ffff:ffff:ffff', '2001:DB8:ABCD:0012:0:0:0:0'],
    ['2001:db8:abcd:13::1', '2001:db8:abcd:11:ffff:ffff:ffff:ffff'],
  ],
  [['2001:db8::/127'], ['2001:db8::', '2001:db8::1'], ['2001:db8::2']],
  [['::/0'], ['::', '::1', '2001:db8::1', 'fe80::1%eth0', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'], ['1.2.3.4', '::ffff:1.2.3.4']],
  [['fe80::/10'], ['fe80::1%eth0', 'fe80::abcd%2', 'febf::1'], ['fec0::1', 'fe00::1']],
  [
    ['10.0.0.0/8', '2001:db8::/32', '203.0.113.7'],
    ['10.1.1.1', '2001:db8:1::1', '203.0.113.7', '::ffff:203.0.113.7'],
    ['203.0.113.8', '2001:db9::1'],
  ],
  [[], [], ['1.2.3.4', '::1', '::ffff:1.2.3.4']],
];

// Never admitted, whatever the list: not an address as Node reports a peer.
const NOT_ADDRESSES = [
  '',
  'unknown',
  'localhost',
  '1.2.3.4:5678',
  '[::1]',
  '[::1]:80',
  '010.0.0.1',
  '1.2.3.4/32',
  '1.2.3.4 ',
  ' 1.2.3.4',
  '1.2.3',
  '::ffff:1.2.3.4.5',
  '%eth0',
];

t.test('compileAllowlist admits exactly the listed networks', async (t) => {
  for (const [allowlist, admitted, refused] of MATCHES) {
    const matches = compileAllowlist(allowlist);
    for (const address of admitted) t.equal(matches(address), true, `[${allowlist.join(', ')}] admits ${address}`);
    for (const address of [...refused, ...NOT_ADDRESSES])
      t.equal(matches(address), false, `[${allowlist.join(', ')}] refuses ${JSON.stringify(address)}`);
  }
  const everything = compileAllowlist(['0.0.0.0/0', '::/0']);
  for (const address of NOT_ADDRESSES) t.equal(everything(address), false, `0.0.0.0/0 and ::/0 refuse ${JSON.stringify(address)}`);
});

t.test('compileAllowlist takes unnormalized entries and throws on invalid ones', async (t) => {
  t.equal(compileAllowlist(['10.1.2.3/8'])('10.200.0.1'), true);
  t.equal(compileAllowlist(['2001:DB8::1'])('2001:db8::1'), true);
  t.throws(() => compileAllowlist(['10.0.0.1', 'example.com']), {
    name: 'TypeError',
    message: /allowlist entry "example.com": not an IPv4/,
  });
});

t.test('isIpAddress: peer address forms', async (t) => {
  for (const address of ['1.2.3.4', '::1', '::ffff:1.2.3.4', 'fe80::1%eth0', '2001:db8::1']) t.equal(isIpAddress(address), true, address);
  for (const address of NOT_ADDRESSES) t.equal(isIpAddress(address), false, JSON.stringify(address));
});

t.test('IPv6 normal form agrees with WHATWG URL serialization (RFC 5952 compression) on generated addresses', async (t) => {
  let seed = 14;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
  for (let n = 0; n < 500; n++) {
    const groups = Array.from({ length: 8 }, () => (next() % 3 === 0 ? 0xffff & next() : 0).toString(16));
    if (groups.slice(0, 5).every((g) => g === '0') && groups[5] === 'ffff') continue;
    const text = groups.join(':');
    const expected = new URL(`http://[${text}]/`).hostname.slice(1, -1);
    t.same(normalizeIpEntry(text), { ok: true, normalized: expected }, text);
  }
});
