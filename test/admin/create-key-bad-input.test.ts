// Bad create requests, on both families' create routes: each gets its 4xx
// problem (as the OpenAPI document describes it), the database is unchanged,
// and the service keeps serving.
import t from 'tap';
import { startAdmin } from '../helpers/admin.js';
import { call } from '../helpers/http.js';
import { createTestKey } from '../helpers/keys.js';
import { expectMatchesSpec } from '../helpers/openapi.js';

const PATH = '/api/v1/organization/acme/api-keys';
const PARTNER_PATH = '/api/v1/partner/api-keys';

// [label, body (object → JSON, string → sent as is), status, code, extra headers]
const CASES: Array<[string, unknown, number, string, Record<string, string>?]> = [
  ['malformed JSON', '{"name": "x",', 400, 'invalid_json'],
  ['invalid UTF-8', Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x7d]), 400, 'invalid_json'],
  ['a JSON array', [{ name: 'x' }], 400, 'invalid_body'],
  ['a JSON string', '"name"', 400, 'invalid_body'],
  ['JSON null', 'null', 400, 'invalid_body'],
  ['no body at all', undefined, 400, 'invalid_body'],
  ['an unknown field', { name: 'x', admin: true }, 400, 'invalid_body'],
  ['a __proto__ field', '{"name":"x","__proto__":{"scopes":["admin"]}}', 400, 'invalid_body'],
  ['no name', { scopes: ['read'] }, 400, 'invalid_body'],
  ['a blank name', { name: '   ' }, 400, 'invalid_body'],
  ['a numeric name', { name: 42 }, 400, 'invalid_body'],
  ['a 256-character name', { name: 'n'.repeat(256) }, 400, 'invalid_body'],
  ['a name with a newline', { name: 'a\nb' }, 400, 'invalid_body'],
  ['an unknown scope', { name: 'x', scopes: ['read', 'superuser'] }, 400, 'invalid_body'],
  ['a duplicate scope', { name: 'x', scopes: ['read', 'read'] }, 400, 'invalid_body'],
  ['an empty scope list', { name: 'x', scopes: [] }, 400, 'invalid_body'],
  ['scopes as a string', { name: 'x', scopes: 'read' }, 400, 'invalid_body'],
  ['expiresAt in the past', { name: 'x', expiresAt: '2025-12-31T23:59:59Z' }, 400, 'invalid_body'],
  ['expiresAt equal to now', { name: 'x', expiresAt: '2026-01-01T00:00:00Z' }, 400, 'invalid_body'],
  ['expiresAt without a zone', { name: 'x', expiresAt: '2030-01-01T00:00:00' }, 400, 'invalid_body'],
  ['expiresAt as a date only', { name: 'x', expiresAt: '2030-01-01' }, 400, 'invalid_body'],
  ['expiresAt on 30 February', { name: 'x', expiresAt: '2030-02-30T00:00:00Z' }, 400, 'invalid_body'],
  ['expiresAt as epoch ms', { name: 'x', expiresAt: 1893456000000 }, 400, 'invalid_body'],
  ['agency scopes (a standard organization; a partner)', { name: 'x', scopes: ['agency:read'] }, 400, 'invalid_body'],
  ['a text/plain body', 'name=x', 415, 'unsupported_media_type', { 'content-type': 'text/plain' }],
  ['a form body', 'name=x', 415, 'unsupported_media_type', { 'content-type': 'application/x-www-form-urlencoded' }],
  ['JSON without a content type', '{"name":"x"}', 415, 'unsupported_media_type', { 'content-type': '' }],
  ['JSON in another charset', '{"name":"x"}', 415, 'unsupported_media_type', { 'content-type': 'application/json; charset=latin1' }],
];

t.test('each bad body gets its 4xx and changes nothing', async (t) => {
  const admin = await startAdmin(t);
  const callers = [
    [PATH, createTestKey(admin.store, { org: 'acme' })],
    [PARTNER_PATH, createTestKey(admin.store, { partner: 'p-1' })],
  ] as const;
  const before = admin.snapshot();
  for (const [path, caller] of callers) {
    for (const [label, body, status, code, headers] of CASES) {
      const sendHeaders: Record<string, string> = { ...caller.headers };
      if (typeof body === 'string' || Buffer.isBuffer(body)) sendHeaders['content-type'] = 'application/json';
      for (const [name, value] of Object.entries(headers ?? {})) {
        if (value === '') delete sendHeaders[name];
        else sendHeaders[name] = value;
      }
      const res = await call(admin.baseUrl, 'POST', path, { headers: sendHeaders, body });
      t.equal(res.status, status, `${path}, ${label}: status`);
      t.equal(res.json?.code, code, `${path}, ${label}: code`);
      t.match(res.headers['content-type'], /^application\/problem\+json/, `${label}: problem document`);
      t.equal(typeof res.json?.detail, 'string', `${label}: says why`);
      expectMatchesSpec(t, `POST ${path}`, res);
      t.equal(admin.snapshot(), before, `${label}: database unchanged`);
    }
  }
  for (const [path, caller] of callers) {
    const ok = await call(admin.baseUrl, 'POST', path, { headers: caller.headers, body: { name: 'still serving' } });
    t.equal(ok.status, 201, 'the service keeps serving');
  }
});

t.test('a charset parameter on JSON is accepted', async (t) => {
  const admin = await startAdmin(t);
  const caller = createTestKey(admin.store, { org: 'acme' });
  const res = await call(admin.baseUrl, 'POST', PATH, {
    headers: { ...caller.headers, 'content-type': 'Application/JSON; charset=UTF-8' },
    body: '{"name":"x"}',
  });
  t.equal(res.status, 201);
});

// Names that would spoof or corrupt listings and logs (issue 11, requirement 9).
// Each character is sent twice: as raw UTF-8 and as a JSON \u escape; a lone
// surrogate can only be spelled as an escape (its raw bytes are not UTF-8).
const hex = (char: string): string => char.charCodeAt(0).toString(16).padStart(4, '0');
const SPOOFING_NAMES: Array<[string, RegExp, string[]]> = [
  [
    'bidirectional control characters',
    /bidirectional control characters \(U\+202A–U\+202E, U\+2066–U\+2069\)/,
    ['\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068', '\u2069'],
  ],
  ['line or paragraph separators', /line or paragraph separators/, ['\u2028', '\u2029']],
  ['zero-width characters', /zero-width characters/, ['\u200b', '\u200c', '\u200d', '\u2060', '\ufeff']],
];

t.test('names with spoofing characters or lone surrogates get 400 invalid_body and store nothing', async (t) => {
  const admin = await startAdmin(t);
  const callers = [
    [PATH, createTestKey(admin.store, { org: 'acme' })],
    [PARTNER_PATH, createTestKey(admin.store, { partner: 'p-1' })],
  ] as const;
  const attacks: Array<[string, RegExp, string]> = [
    ['the U+202E spoof ci-exe.png', /bidirectional/, JSON.stringify({ name: 'ci-\u202egnp.exe' })],
    ['a lone high surrogate', /^name must be valid Unicode \(no lone surrogates\)$/, '{"name":"a\\ud800b"}'],
    ['a lone low surrogate', /lone surrogates/, '{"name":"a\\udc00b"}'],
    ['a reversed surrogate pair', /lone surrogates/, '{"name":"a\\ude00\\ud83db"}'],
  ];
  for (const [label, problem, chars] of SPOOFING_NAMES) {
    for (const char of chars) {
      attacks.push([`${label}, raw U+${hex(char)}`, problem, JSON.stringify({ name: `a${char}b` })]);
      attacks.push([`${label}, escaped U+${hex(char)}`, problem, `{"name":"a\\u${hex(char)}b"}`]);
    }
  }
  t.equal(attacks.length, 36);
  const before = admin.snapshot();
  for (const [path, caller] of callers) {
    for (const [label, problem, body] of attacks) {
      const headers = { ...caller.headers, 'content-type': 'application/json' };
      const res = await call(admin.baseUrl, 'POST', path, { headers, body });
      t.equal(res.status, 400, `${path}, ${label}: status`);
      t.equal(res.json?.code, 'invalid_body', `${path}, ${label}: code`);
      t.match(res.json?.detail, problem, `${path}, ${label}: names the character class`);
      expectMatchesSpec(t, `POST ${path}`, res);
    }
    const listed = await call(admin.baseUrl, 'GET', path, { headers: caller.headers });
    t.same(
      listed.json?.apiKeys.map((k: { id: string }) => k.id),
      [caller.id],
      `${path}: no key was stored`,
    );
  }
  t.equal(admin.snapshot(), before, 'database unchanged');
  for (const [path, caller] of callers) {
    const ok = await call(admin.baseUrl, 'POST', path, { headers: caller.headers, body: { name: 'café 😀 東京' } });
    t.equal(ok.status, 201, `${path}: the service keeps serving`);
    t.equal(ok.json?.apiKey.name, 'café 😀 東京', `${path}: and still stores names in any script`);
  }
});
