// Attack corpus for canonicalizeTarget: every target a gateway and an upstream
// could read differently must be rejected, and every accepted target comes
// back in one canonical spelling (escapes upper-cased) that is a fixed point.
import t from 'tap';
import { canonicalizeTarget } from '../../core/request-target.js';

// What each rejection must be blamed on, so a case is rejected by the rule it
// attacks and not by accident.
const WHY = {
  originForm: /origin-form/,
  empty: /^empty path segment$/,
  dot: /^dot segment in path$/,
  delimiter: /^encoded delimiter in path$/,
  needless: /^needlessly encoded character in path$/,
  params: /^path parameters \(;\) are not allowed$/,
  illegal: /^illegal character$/,
  control: /^encoded control character$/,
  badEscape: /^invalid percent-encoding$/,
  utf8: /^percent-encoded bytes are not valid UTF-8$/,
  nfkc: /^encoded compatibility form of a delimiter \(NFKC\)$/,
  nfkcInQuery: /^encoded compatibility form of a delimiter \(NFKC\) in the query$/,
  inQuery: / in the query$/,
} as const;

type Rejected = [label: string, target: string | undefined, why: RegExp];

const REJECTED: Rejected[] = [
  // dot segments
  ['parent segment in the middle', '/a/../b', WHY.dot],
  ['three dots (read as a parent by servers that trim trailing dots)', '/a/.../b', WHY.dot],
  ['current segment in the middle', '/a/./b', WHY.dot],
  ['parent segment at the root', '/..', WHY.dot],
  ['current segment at the root', '/.', WHY.dot],
  ['trailing parent segment', '/a/..', WHY.dot],
  ['trailing current segment', '/a/.', WHY.dot],
  ['parent segment escaping a route prefix', '/api/v1/organization/../../admin', WHY.dot],
  ['dot segment before a query', '/a/..?x=1', WHY.dot],
  // encoded dots
  ['encoded parent segment, lower case', '/a/%2e%2e/b', WHY.delimiter],
  ['encoded parent segment, upper case', '/a/%2E%2E/b', WHY.delimiter],
  ['single encoded dot', '/a/%2E/b', WHY.delimiter],
  ['half-encoded parent segment', '/a/.%2e/b', WHY.delimiter],
  ['half-encoded parent segment, other half', '/a/%2e./b', WHY.delimiter],
  ['encoded dot inside a name', '/a/file%2ejson', WHY.delimiter],
  // encoded slashes and backslashes
  ['encoded slash, lower case', '/a%2fb', WHY.delimiter],
  ['encoded slash, upper case', '/a%2Fb', WHY.delimiter],
  ['encoded slash hiding a parent segment', '/a/..%2fadmin', WHY.delimiter],
  ['encoded backslash, lower case', '/a%5cb', WHY.delimiter],
  ['encoded backslash, upper case', '/a%5Cb', WHY.delimiter],
  ['encoded backslash hiding a parent segment', '/a/..%5cadmin', WHY.delimiter],
  // double encoding
  ['double-encoded slash', '/a%252fb', WHY.delimiter],
  ['double-encoded dots', '/a/%252e%252e/b', WHY.delimiter],
  ['encoded percent sign', '/a%25b', WHY.delimiter],
  // raw backslash
  ['raw backslash', '/a\\b', WHY.illegal],
  ['raw backslash parent segment', '/a\\..\\b', WHY.illegal],
  ['backslash right after the root', '/\\evil.com/a', WHY.illegal],
  // empty segments
  ['leading double slash', '//a', WHY.empty],
  ['double slash in the middle', '/a//b', WHY.empty],
  ['trailing slash', '/a/', WHY.empty],
  ['only slashes', '///', WHY.empty],
  ['trailing slash before a query', '/a/?x=1', WHY.empty],
  // `;` path parameters (Tomcat, Spring, Jetty strip them)
  ['matrix parameter in a segment', '/a;x=1/b', WHY.params],
  ['Tomcat-style parent segment with ;', '/a/..;/b', WHY.params],
  ['bare ; after a segment', '/admin;', WHY.params],
  ['; jsessionid suffix', '/a;jsessionid=1', WHY.params],
  ['encoded ; lower case', '/a%3bx=1/b', WHY.delimiter],
  ['encoded ; upper case', '/a%3Bx=1/b', WHY.delimiter],
  // NUL and other control characters
  ['raw NUL', '/a\u0000b', WHY.illegal],
  ['encoded NUL', '/a%00b', WHY.control],
  ['encoded NUL hiding an extension', '/a/file%00.json', WHY.control],
  ['raw carriage return', '/a\rb', WHY.illegal],
  ['raw line feed', '/a\nb', WHY.illegal],
  ['encoded CRLF header injection', '/a%0d%0aSet-Cookie:x=1', WHY.control],
  ['encoded unit separator', '/a%1fb', WHY.control],
  ['raw DEL', '/a\u007fb', WHY.illegal],
  ['encoded DEL', '/a%7fb', WHY.control],
  ['raw tab', '/a\tb', WHY.illegal],
  ['encoded tab', '/a%09b', WHY.control],
  ['raw space', '/a b', WHY.illegal],
  ['raw space before a fake protocol', '/a HTTP/1.1', WHY.illegal],
  // fragments
  ['fragment on the path', '/a#frag', WHY.illegal],
  ['fragment hiding a parent segment', '/a#/../admin', WHY.illegal],
  ['fragment after a query', '/a?x=1#frag', WHY.inQuery],
  // invalid escapes
  ['non-hex escape', '/a%zzb', WHY.badEscape],
  ['one-digit escape', '/a%4', WHY.badEscape],
  ['bare percent at the end', '/a%', WHY.badEscape],
  ['bare percent in the middle', '/a%/b', WHY.badEscape],
  ['double percent', '/a%%41', WHY.badEscape],
  ['half-hex escape', '/a%g0', WHY.badEscape],
  ['IIS %u escape for a dot', '/a/%u002e%u002e/b', WHY.badEscape],
  ['invalid escape in the query', '/a?x=%zz', WHY.inQuery],
  ['truncated escape in the query', '/a?x=%4', WHY.inQuery],
  // needlessly encoded unreserved characters (would dodge literal route matching)
  ['encoded letter in a route literal', '/%61dmin', WHY.needless],
  ['encoded upper-case letter', '/%41dmin', WHY.needless],
  ['encoded digit', '/v%31', WHY.needless],
  ['encoded hyphen', '/api%2dkeys', WHY.needless],
  ['encoded underscore', '/a%5fb', WHY.needless],
  ['encoded tilde', '/%7euser', WHY.needless],
  // other forms of request target
  ['absolute-form', 'http://evil/a', WHY.originForm],
  ['absolute-form, https, upper case scheme', 'HTTPS://evil/a', WHY.originForm],
  ['authority-ish network-path reference', '//evil.com/a', WHY.empty],
  ['authority-form (CONNECT)', 'evil.com:443', WHY.originForm],
  ['asterisk-form (OPTIONS *)', '*', WHY.originForm],
  ['empty string', '', WHY.originForm],
  ['no target at all', undefined, WHY.originForm],
  ['relative path', 'a/b', WHY.originForm],
  ['leading space', ' /a', WHY.originForm],
  ['query without a path', '?x=1', WHY.originForm],
  // raw non-ASCII
  ['raw Latin-1 letter', '/caf\u00e9', WHY.illegal],
  ['raw UTF-8 bytes read as Latin-1', '/caf\u00c3\u00a9', WHY.illegal],
  ['raw fullwidth dots', '/\uff0e\uff0e/admin', WHY.illegal],
  ['raw division slash', '/a\u2215b', WHY.illegal],
  ['raw non-ASCII in the query', '/a?x=\u00e9', WHY.inQuery],
  // escapes that are not valid UTF-8 (overlong forms read as `.` or `/` by some servers)
  ['overlong dot, lower case', '/a/%c0%ae%c0%ae/b', WHY.utf8],
  ['overlong dot, upper case', '/a/%C0%AE/b', WHY.utf8],
  ['overlong slash', '/a%c0%afb', WHY.utf8],
  ['three-byte overlong dot', '/a/%e0%80%ae/b', WHY.utf8],
  ['lone continuation byte', '/a%80', WHY.utf8],
  ['byte never valid in UTF-8', '/a%ff', WHY.utf8],
  ['truncated two-byte sequence', '/caf%c3', WHY.utf8],
  ['truncated sequence before a slash', '/caf%c3/b', WHY.utf8],
  ['UTF-16 surrogate', '/a%ed%a0%80', WHY.utf8],
  ['code point above U+10FFFF', '/a%f4%90%80%80', WHY.utf8],
  // escaped compatibility characters an upstream applying NFKC reads as a delimiter
  ['fullwidth solidus ／ (U+FF0F)', '/a%EF%BC%8Fb', WHY.nfkc],
  ['fullwidth solidus, lower-case escapes', '/a%ef%bc%8fb', WHY.nfkc],
  ['fullwidth dots ．． (U+FF0E) as a parent segment', '/a/%EF%BC%8E%EF%BC%8E/b', WHY.nfkc],
  ['fullwidth traversal ．．／', '/a/%EF%BC%8E%EF%BC%8E%EF%BC%8Fadmin', WHY.nfkc],
  ['fullwidth reverse solidus ＼ (U+FF3C)', '/a%EF%BC%BCb', WHY.nfkc],
  ['small reverse solidus ﹨ (U+FE68)', '/a%EF%B9%A8b', WHY.nfkc],
  ['fullwidth percent ％ (U+FF05), a new escape after NFKC', '/a%EF%BC%852fb', WHY.nfkc],
  ['small percent ﹪ (U+FE6A)', '/a%EF%B9%AA2e', WHY.nfkc],
  ['fullwidth semicolon ； (U+FF1B)', '/a%EF%BC%9Bx=1', WHY.nfkc],
  ['Greek question mark ; (U+037E, canonically ;)', '/a%CD%BEx=1', WHY.nfkc],
  ['fullwidth question mark ？ (U+FF1F)', '/a%EF%BC%9Fx=1', WHY.nfkc],
  ['fullwidth number sign ＃ (U+FF03)', '/a%EF%BC%83x', WHY.nfkc],
  ['small full stop ﹒ (U+FE52)', '/a/%EF%B9%92%EF%B9%92/b', WHY.nfkc],
  ['one dot leader ․ (U+2024)', '/a/%E2%80%A4%E2%80%A4/b', WHY.nfkc],
  ['two dot leader ‥ (U+2025), a parent segment on its own', '/a/%E2%80%A5/b', WHY.nfkc],
  ['horizontal ellipsis … (U+2026)', '/a/%E2%80%A6/b', WHY.nfkc],
  ['account of ℀ (U+2100, NFKC a/c)', '/a%E2%84%80b', WHY.nfkc],
  ['fullwidth solidus after an ordinary escape', '/caf%C3%A9%EF%BC%8Fb', WHY.nfkc],
  ['fullwidth solidus in the query', '/a?next=%EF%BC%8F', WHY.nfkcInQuery],
  ['fullwidth percent in the query', '/a?x=%EF%BC%8541', WHY.nfkcInQuery],
  ['fullwidth number sign in the query', '/a?x=%EF%BC%83', WHY.nfkcInQuery],
  ['fullwidth dots in the query next to invalid UTF-8', '/a?x=%FF%EF%BC%8E%EF%BC%8E', WHY.nfkcInQuery],
  // query character set
  ['raw space in the query', '/a?x=a b', WHY.inQuery],
  ['raw backslash in the query', '/a?x=\\', WHY.inQuery],
  ['encoded NUL in the query', '/a?x=%00', WHY.inQuery],
  ['raw double quote in the query', '/a?x="1"', WHY.inQuery],
];

type Accepted = [label: string, target: string, path: string, query: string];

const ACCEPTED: Accepted[] = [
  ['root', '/', '/', ''],
  ['plain path', '/a/b', '/a/b', ''],
  ['realistic route', '/api/v1/organization/org_1/api-keys', '/api/v1/organization/org_1/api-keys', ''],
  ['query with an encoded space', '/a/b?x=1&y=%20', '/a/b', '?x=1&y=%20'],
  ['UTF-8 escape upper-cased', '/caf%c3%a9', '/caf%C3%A9', ''],
  ['mixed-case UTF-8 escape upper-cased', '/caf%c3%A9', '/caf%C3%A9', ''],
  ['upper-case UTF-8 escape kept', '/caf%C3%A9', '/caf%C3%A9', ''],
  ['four-byte UTF-8 escape', '/%f0%9f%98%80', '/%F0%9F%98%80', ''],
  ['fullwidth letters (NFKC changes them, into no delimiter)', '/%EF%BD%81dmin', '/%EF%BD%81dmin', ''],
  ['decomposed é (NFKC composes it)', '/cafe%CC%81', '/cafe%CC%81', ''],
  ['CJK text with an ideographic full stop (not NFKC `.`)', '/%E6%9D%B1%E4%BA%AC%E3%80%82', '/%E6%9D%B1%E4%BA%AC%E3%80%82', ''],
  ['division slash ∕ (U+2215, no NFKC mapping)', '/a%E2%88%95b', '/a%E2%88%95b', ''],
  ['ordinary non-ASCII in the query', '/a?q=caf%C3%A9&r=%E2%80%94', '/a', '?q=caf%C3%A9&r=%E2%80%94'],
  ['invalid UTF-8 in the query stays data', '/a?x=%FF', '/a', '?x=%FF'],
  ['query with / and ?', '/a?next=/b?c=d', '/a', '?next=/b?c=d'],
  ['query with ; separators', '/a?x=1;y=2', '/a', '?x=1;y=2'],
  ['query escapes upper-cased', '/a?x=%2f%c3%a9', '/a', '?x=%2F%C3%A9'],
  ['encoded dot, slash and percent are data in the query', '/a?x=%2e%2e%2f%25', '/a', '?x=%2E%2E%2F%25'],
  ['empty query dropped', '/a?', '/a', ''],
  ['root with a query', '/?x=1', '/', '?x=1'],
  ['encoded space in the path', '/a%20b', '/a%20b', ''],
  ['encoded ? is data in the path', '/a%3fb', '/a%3Fb', ''],
  ['encoded # is data in the path', '/a%23b', '/a%23b', ''],
  ['sub-delimiters, colon and at-sign', "/a!$&'()*+,=:@b", "/a!$&'()*+,=:@b", ''],
  ['dot inside a name', '/a/file.json', '/a/file.json', ''],
  ['leading dot in a name', '/a/.well-known', '/a/.well-known', ''],
  ['dots then letters', '/a/..b', '/a/..b', ''],
  ['brackets and pipes in the query, as clients send them', '/a?filter[a]=1|2', '/a', '?filter[a]=1|2'],
  ['tilde and underscore raw', '/~user/a_b', '/~user/a_b', ''],
];

t.test('rejected targets', async (t) => {
  for (const [label, target, why] of REJECTED) {
    const result = canonicalizeTarget(target);
    if (result.ok) {
      t.fail(`${label}: ${JSON.stringify(target)} was accepted as ${JSON.stringify(result.target)}`);
      continue;
    }
    t.match(result.reason, why, `${label}: ${JSON.stringify(target)}`);
  }
});

t.test('accepted targets and their canonical form', async (t) => {
  for (const [label, target, path, query] of ACCEPTED) {
    t.same(canonicalizeTarget(target), { ok: true, target: { path, query } }, `${label}: ${JSON.stringify(target)}`);
  }
});

t.test('the canonical form is a fixed point', async (t) => {
  for (const [label, , path, query] of ACCEPTED) {
    t.same(canonicalizeTarget(path + query), { ok: true, target: { path, query } }, label);
  }
});

t.test('every encodable byte: delimiters, controls, unreserved and invalid UTF-8 rejected, the rest accepted', async (t) => {
  // One escape per byte value, alone in a segment, in lower and upper case.
  const unreserved = /[A-Za-z0-9\-._~]/;
  for (let byte = 0; byte < 256; byte++) {
    const hex = byte.toString(16).padStart(2, '0');
    const char = String.fromCharCode(byte);
    const shouldPass = byte >= 0x20 && byte < 0x7f && !unreserved.test(char) && !'/\\%;'.includes(char) && byte < 0x80;
    for (const escape of [hex, hex.toUpperCase()]) {
      const result = canonicalizeTarget(`/x/%${escape}/y`);
      if (result.ok !== shouldPass) t.fail(`%${escape}: expected ${shouldPass ? 'accept' : 'reject'}`);
      else if (result.ok) t.equal(result.target.path, `/x/%${hex.toUpperCase()}/y`, `%${escape} upper-cased`);
    }
  }
  t.pass('all 256 byte values classified');
});

t.test('a long path is handled without error', async (t) => {
  const long = '/a'.repeat(10_000);
  t.same(canonicalizeTarget(long), { ok: true, target: { path: long, query: '' } });
  t.notOk(canonicalizeTarget(`${long}/..`).ok, 'a dot segment at the end of a long path is still seen');
});
