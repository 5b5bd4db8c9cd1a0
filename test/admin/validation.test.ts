// Pure validation of admin input, table-driven.
import t from 'tap';
import { compileCreateKeyBodyCheck } from '../../admin/create-key-body.js';
import { checkExpiresAt, checkName, checkScopes, isValidOwnerId, normalizeKeyId, parseRfc3339 } from '../../admin/validation.js';

const checkCreateKeyBody = compileCreateKeyBodyCheck();

t.test('owner ids', async (t) => {
  for (const id of ['a', 'acme', 'ACME_01-x', 'a'.repeat(64)]) t.ok(isValidOwnerId(id), id);
  for (const id of ['', 'a'.repeat(65), 'a.b', 'a b', 'a/b', 'é', 'a%20', 'a\n']) t.notOk(isValidOwnerId(id), JSON.stringify(id));
});

t.test('key ids', async (t) => {
  t.equal(normalizeKeyId('0B9F7C0E-1F0A-4B9E-9C53-1D1B9B0B8A11'), '0b9f7c0e-1f0a-4b9e-9c53-1d1b9b0b8a11');
  for (const id of [
    '',
    'x',
    '0b9f7c0e1f0a4b9e9c531d1b9b0b8a11',
    '0b9f7c0e-1f0a-4b9e-9c53-1d1b9b0b8a1',
    '{0b9f7c0e-1f0a-4b9e-9c53-1d1b9b0b8a11}',
  ]) {
    t.equal(normalizeKeyId(id), undefined, id);
  }
});

t.test('RFC 3339 date-times', async (t) => {
  const cases: Array<[string, number | undefined]> = [
    ['2030-01-31T00:00:00Z', Date.UTC(2030, 0, 31)],
    ['2030-01-31t00:00:00z', Date.UTC(2030, 0, 31)],
    ['2030-01-31T01:30:00+01:30', Date.UTC(2030, 0, 31)],
    ['2030-01-30T22:00:00-02:00', Date.UTC(2030, 0, 31)],
    ['2030-01-31T00:00:00.5Z', Date.UTC(2030, 0, 31, 0, 0, 0, 500)],
    ['2030-01-31T00:00:00.123456789Z', Date.UTC(2030, 0, 31, 0, 0, 0, 123)],
    ['2028-02-29T00:00:00Z', Date.UTC(2028, 1, 29)],
    ['2030-12-31T23:59:60Z', Date.UTC(2031, 0, 1)],
    ['2030-01-31', undefined],
    ['2030-01-31T00:00:00', undefined],
    ['2030-01-31 00:00:00Z', undefined],
    ['2030-1-31T00:00:00Z', undefined],
    ['2030-13-01T00:00:00Z', undefined],
    ['2030-00-01T00:00:00Z', undefined],
    ['2030-02-29T00:00:00Z', undefined],
    ['2030-04-31T00:00:00Z', undefined],
    ['2030-01-31T24:00:00Z', undefined],
    ['2030-01-31T00:60:00Z', undefined],
    ['2030-01-31T00:00:61Z', undefined],
    ['2030-01-31T00:00:00+24:00', undefined],
    ['2030-01-31T00:00:00+0100', undefined],
    ['2030-01-31T00:00:00.Z', undefined],
    [' 2030-01-31T00:00:00Z', undefined],
    ['+002030-01-31T00:00:00Z', undefined],
    ['Fri, 31 Jan 2030 00:00:00 GMT', undefined],
  ];
  for (const [input, expected] of cases) t.equal(parseRfc3339(input), expected, input);
});

t.test('expiresAt must be in the future', async (t) => {
  const now = Date.UTC(2026, 0, 1);
  t.same(checkExpiresAt('2026-01-01T00:00:00.001Z', now), { ok: true, value: now + 1 });
  t.same(checkExpiresAt(null, now), { ok: true, value: null });
  t.match(checkExpiresAt('2026-01-01T00:00:00Z', now), { ok: false, problem: /future/ });
  t.match(checkExpiresAt('2025-01-01T00:00:00Z', now), { ok: false, problem: /future/ });
  t.match(checkExpiresAt('tomorrow', now), { ok: false, problem: /RFC 3339/ });
  t.match(checkExpiresAt(1893456000000, now), { ok: false, problem: /RFC 3339/ });
});

t.test('names', async (t) => {
  t.same(checkName('  deploy  '), { ok: true, value: 'deploy' });
  t.same(checkName('é'.repeat(255)), { ok: true, value: 'é'.repeat(255) });
  t.same(checkName('😀'.repeat(255)), { ok: true, value: '😀'.repeat(255) }, 'counted in characters, not UTF-16 units');
  for (const name of ['', '   ', 'x'.repeat(256), 'a\u0000b', 'a\tb', 'a\u007fb', 42, null, ['x']]) {
    t.equal(checkName(name).ok, false, JSON.stringify(name));
  }
});

// [class, message fragment, every character of the class]
const REFUSED_IN_NAMES: Array<[string, RegExp, string[]]> = [
  ['control characters', /^name must not contain control characters$/, ['\u0000', '\t', '\n', '\u001f', '\u007f']],
  [
    'bidirectional controls',
    /^name must not contain bidirectional control characters \(U\+202A–U\+202E, U\+2066–U\+2069\)$/,
    ['\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068', '\u2069'],
  ],
  ['line and paragraph separators', /^name must not contain line or paragraph separators/, ['\u2028', '\u2029']],
  ['zero-width characters', /^name must not contain zero-width characters/, ['\u200b', '\u200c', '\u200d', '\u2060', '\ufeff']],
  ['lone surrogates', /^name must be valid Unicode \(no lone surrogates\)$/, ['\ud800', '\udbff', '\udc00', '\udfff', '\ude00\ud83d']],
];

t.test('names refuse characters that spoof or corrupt listings and logs', async (t) => {
  for (const [label, problem, chars] of REFUSED_IN_NAMES) {
    for (const char of chars) {
      const code = [...char].map((c) => `U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`).join(' ');
      for (const name of [`a${char}b`, `${'x'.repeat(100)}${char}${'y'.repeat(100)}`]) {
        t.match(checkName(name), { ok: false, problem }, `${label}: ${code}`);
      }
    }
  }
  t.match(checkName('ci-\u202egnp.exe'), { ok: false, problem: /bidirectional/ }, 'the classic spoof: shows as ci-exe.png');
  t.match(checkName(JSON.parse('"a\\ud800b"')), { ok: false, problem: /lone surrogates/ }, 'as JSON.parse produces it');
  t.match(checkCreateKeyBody({ name: 'a\u2069b' }, 'org', 0), { ok: false, problem: /bidirectional/ }, 'through the create body');
});

t.test('names in any script still pass', async (t) => {
  const names = [
    'café crème',
    'Zürich-Ø',
    'deploy 😀',
    '🇫🇷 prod',
    '👍🏽 ok',
    'ключ',
    '東京 本番',
    '키',
    'مفتاح',
    'עברית',
    'नमस्ते',
    'e\u0301', // a combining accent is not a zero-width character
    '\u{10ffff}', // a well-formed astral code point (a surrogate pair)
  ];
  for (const name of names) t.same(checkName(name), { ok: true, value: name }, name);
  // trim() treats U+FEFF, U+2028 and U+2029 as white space: at the edges they
  // are trimmed away like a space, so the stored name never contains them.
  t.same(checkName('\ufeffdeploy\u2028'), { ok: true, value: 'deploy' });
  // The price of refusing U+200D: emoji joined by a zero-width joiner are refused too.
  t.match(checkName('\u{1f469}\u200d\u{1f4bb} on call'), { ok: false, problem: /zero-width/ }, 'woman technologist (ZWJ sequence)');
});

t.test('scopes', async (t) => {
  t.same(checkScopes(undefined, 'org'), { ok: true, value: ['read', 'write'] });
  t.same(checkScopes(undefined, 'partner'), { ok: true, value: ['read', 'write', 'admin'] });
  t.same(checkScopes(['admin', 'read'], 'org'), { ok: true, value: ['read', 'admin'] }, 'normalized order');
  t.same(checkScopes(['agency:read'], 'org'), { ok: true, value: ['agency:read'] }, 'the organization decides later');
  t.match(checkScopes(['agency:read'], 'partner'), { ok: false, problem: /organization keys/ });
  for (const scopes of [[], ['read', 'read'], ['Read'], ['*'], 'read', null, [1]]) {
    t.equal(checkScopes(scopes, 'org').ok, false, JSON.stringify(scopes));
  }
});

t.test('create bodies', async (t) => {
  const now = Date.UTC(2026, 0, 1);
  t.same(checkCreateKeyBody({ name: 'x' }, 'org', now), {
    ok: true,
    value: { name: 'x', scopes: ['read', 'write'], expiresAt: null, allowedIps: null, rateLimits: null, quota: null },
  });
  t.same(checkCreateKeyBody({ name: 'x', scopes: ['read'], expiresAt: '2026-01-02T00:00:00Z' }, 'partner', now), {
    ok: true,
    value: { name: 'x', scopes: ['read'], expiresAt: Date.UTC(2026, 0, 2), allowedIps: null, rateLimits: null, quota: null },
  });
  const bad: Array<[unknown, RegExp]> = [
    [undefined, /JSON object/],
    [null, /JSON object/],
    [[], /JSON object/],
    ['x', /JSON object/],
    [{}, /name is required/],
    [{ name: 'x', extra: 1 }, /unknown field "extra"/],
    [{ name: 'x', a: 1, b: 2 }, /unknown fields "a", "b"/],
    [JSON.parse('{"name":"x","__proto__":{}}'), /unknown field "__proto__"/],
    [{ name: '' }, /empty/],
    [{ name: 'x', scopes: ['nope'] }, /unknown scope/],
    [{ name: 'x', expiresAt: '2020-01-01T00:00:00Z' }, /future/],
  ];
  for (const [body, problem] of bad) t.match(checkCreateKeyBody(body, 'org', now), { ok: false, problem }, JSON.stringify(body));
});
