// readCredential, authenticate and authorize: the one set of auth rules both
// planes apply. The key directory is an in-memory Map (our own interface).
import t from 'tap';
import {
  authenticate,
  authorize,
  readCredential,
  type AcceptedFamily,
  type AccessRequirement,
  type KeyDirectory,
} from '../../core/auth.js';
import type { KeyAuthRecord } from '../../core/key-record.js';
import { createManualClock } from '../../core/clock.js';
import { ApiError, type ErrorCode } from '../../core/errors.js';
import { hashKey, type KeyFamily } from '../../core/keys.js';
import { SCOPES, type Scope } from '../../core/scopes.js';
import { keyRecord } from '../helpers/key-record.js';

const HEX = '0123456789abcdef0123456789abcdef';
const ORG = `bsk_live_${HEX}`;
const PARTNER = `pk_live_${HEX}`;

t.test('readCredential', async (t) => {
  type Expect = { family: KeyFamily; plainKey: string } | undefined | { code: ErrorCode; detail: RegExp };
  const CASES: [label: string, rawHeaders: string[], expected: Expect][] = [
    ['no headers', [], undefined],
    ['unrelated headers', ['Host', 'x', 'Accept', '*/*'], undefined],
    ['Authorization is not a credential header', ['Authorization', `Bearer ${ORG}`], undefined],
    ['a longer name is not the header', ['X-API-Key-Extra', ORG], undefined],
    ['a shorter name is not the header', ['X-API-Ke', ORG], undefined],
    ['org key', ['Host', 'x', 'X-API-Key', ORG], { family: 'org', plainKey: ORG }],
    ['org key, lower-case name', ['x-api-key', ORG], { family: 'org', plainKey: ORG }],
    ['org key, upper-case name', ['X-API-KEY', ORG], { family: 'org', plainKey: ORG }],
    ['partner key', ['X-Partner-API-Key', PARTNER], { family: 'partner', plainKey: PARTNER }],
    ['partner key, lower-case name', ['x-partner-api-key', PARTNER], { family: 'partner', plainKey: PARTNER }],
    [
      'both headers',
      ['X-API-Key', ORG, 'X-Partner-API-Key', PARTNER],
      { code: 'ambiguous_credentials', detail: /either X-API-Key or X-Partner-API-Key, not both/ },
    ],
    [
      'both headers, partner first',
      ['X-Partner-API-Key', PARTNER, 'X-API-Key', ORG],
      { code: 'ambiguous_credentials', detail: /not both/ },
    ],
    [
      'org header twice',
      ['x-api-key', ORG, 'x-api-key', ORG],
      { code: 'ambiguous_credentials', detail: /X-API-Key header was sent more than once/ },
    ],
    ['org header twice, different case', ['X-Api-Key', ORG, 'x-api-key', ORG], { code: 'ambiguous_credentials', detail: /more than once/ }],
    [
      'partner header twice',
      ['X-Partner-API-Key', PARTNER, 'x-partner-api-key', PARTNER],
      { code: 'ambiguous_credentials', detail: /X-Partner-API-Key header was sent more than once/ },
    ],
    [
      'twice, second malformed: ambiguity is reported first',
      ['x-api-key', ORG, 'x-api-key', 'junk'],
      { code: 'ambiguous_credentials', detail: /more than once/ },
    ],
    [
      'twice, separated by other headers',
      ['x-api-key', ORG, 'Host', 'x', 'X-API-KEY', ORG],
      { code: 'ambiguous_credentials', detail: /more than once/ },
    ],
    [
      'partner key in X-API-Key',
      ['X-API-Key', PARTNER],
      { code: 'malformed_key', detail: /X-API-Key header must hold a key of the form bsk_live_ followed by 32 lowercase hex/ },
    ],
    [
      'org key in X-Partner-API-Key',
      ['X-Partner-API-Key', ORG],
      { code: 'malformed_key', detail: /X-Partner-API-Key header must hold a key of the form pk_live_/ },
    ],
    ['one character short', ['X-API-Key', ORG.slice(0, -1)], { code: 'malformed_key', detail: /32 lowercase hex/ }],
    ['one character long', ['X-API-Key', `${ORG}0`], { code: 'malformed_key', detail: /32 lowercase hex/ }],
    ['upper-case hex', ['X-API-Key', `bsk_live_${HEX.toUpperCase()}`], { code: 'malformed_key', detail: /32 lowercase hex/ }],
    [
      'upper-case hex, partner',
      ['X-Partner-API-Key', `pk_live_${HEX.toUpperCase()}`],
      { code: 'malformed_key', detail: /32 lowercase hex/ },
    ],
    ['Bearer scheme in the key header', ['X-API-Key', `Bearer ${ORG}`], { code: 'malformed_key', detail: /X-API-Key/ }],
    ['empty value', ['X-API-Key', ''], { code: 'malformed_key', detail: /X-API-Key/ }],
    ['whitespace only', ['X-API-Key', '   '], { code: 'malformed_key', detail: /X-API-Key/ }],
    [
      'space inside the key',
      ['X-API-Key', `bsk_live_${HEX.slice(0, 16)} ${HEX.slice(16)}`],
      { code: 'malformed_key', detail: /X-API-Key/ },
    ],
    ['two keys in one value', ['X-API-Key', `${ORG}, ${ORG}`], { code: 'malformed_key', detail: /X-API-Key/ }],
    ['surrounding spaces are optional whitespace', ['X-API-Key', `  ${ORG}  `], { family: 'org', plainKey: ORG }],
    ['surrounding tabs are optional whitespace', ['X-Partner-API-Key', `\t${PARTNER}\t`], { family: 'partner', plainKey: PARTNER }],
    ['mixed spaces and tabs are optional whitespace', ['X-API-Key', ` \t ${ORG}\t \t`], { family: 'org', plainKey: ORG }],
    // Only SP and HTAB are optional whitespace (RFC 9110 §5.6.3): String#trim would also strip these.
    ['wrapped in NBSP (U+00A0)', ['X-API-Key', `\u00a0${ORG}\u00a0`], { code: 'malformed_key', detail: /X-API-Key/ }],
    ['leading NBSP only', ['X-API-Key', `\u00a0${ORG}`], { code: 'malformed_key', detail: /X-API-Key/ }],
    ['trailing NBSP only, partner', ['X-Partner-API-Key', `${PARTNER}\u00a0`], { code: 'malformed_key', detail: /X-Partner-API-Key/ }],
    ['NBSP inside spaces', ['X-API-Key', ` \u00a0 ${ORG}`], { code: 'malformed_key', detail: /X-API-Key/ }],
    ['ideographic space (U+3000)', ['X-API-Key', `\u3000${ORG}`], { code: 'malformed_key', detail: /X-API-Key/ }],
    ['em space (U+2003)', ['X-API-Key', `${ORG}\u2003`], { code: 'malformed_key', detail: /X-API-Key/ }],
    ['narrow no-break space (U+202F)', ['X-API-Key', `${ORG}\u202f`], { code: 'malformed_key', detail: /X-API-Key/ }],
    ['line separator (U+2028)', ['X-API-Key', `${ORG}\u2028`], { code: 'malformed_key', detail: /X-API-Key/ }],
    ['zero-width space (U+200B)', ['X-API-Key', `\u200b${ORG}`], { code: 'malformed_key', detail: /X-API-Key/ }],
    ['byte order mark (U+FEFF)', ['X-API-Key', `\ufeff${ORG}`], { code: 'malformed_key', detail: /X-API-Key/ }],
    ['vertical tab', ['X-API-Key', `\u000b${ORG}`], { code: 'malformed_key', detail: /X-API-Key/ }],
    ['form feed', ['X-API-Key', `${ORG}\u000c`], { code: 'malformed_key', detail: /X-API-Key/ }],
    ['carriage return', ['X-API-Key', `${ORG}\r`], { code: 'malformed_key', detail: /X-API-Key/ }],
  ];
  for (const [label, rawHeaders, expected] of CASES) {
    const result = readCredential(rawHeaders, 'any');
    if (expected === undefined || !('code' in expected)) {
      t.same(result, expected, label);
      continue;
    }
    if (!(result instanceof ApiError)) {
      t.fail(`${label}: expected ${expected.code}, got ${JSON.stringify(result)}`);
      continue;
    }
    t.equal(result.code, expected.code, `${label}: ${expected.code}`);
    t.equal(result.status, expected.code === 'ambiguous_credentials' ? 400 : 401, `${label}: status`);
    t.match(result.message, expected.detail, `${label}: detail`);
    for (const value of rawHeaders.filter((_, i) => i % 2 === 1)) {
      if (value.trim().length > 8) t.notOk(result.message.includes(value.trim()), `${label}: detail does not echo the value`);
    }
  }
});

// An endpoint reads its own family's header only: the other one is no credential, whatever it holds
// (so it is never hashed), while two credentials stay ambiguous whatever the route accepts.
t.test('readCredential for a route of one family', async (t) => {
  type Expect = { family: KeyFamily; plainKey: string } | undefined | ErrorCode;
  const CASES: [label: string, rawHeaders: string[], accepts: AcceptedFamily, expected: Expect][] = [
    ['org key, org route', ['X-API-Key', ORG], 'org', { family: 'org', plainKey: ORG }],
    ['partner key, partner route', ['X-Partner-API-Key', PARTNER], 'partner', { family: 'partner', plainKey: PARTNER }],
    ['org key, partner route', ['X-API-Key', ORG], 'partner', undefined],
    ['partner key, org route', ['X-Partner-API-Key', PARTNER], 'org', undefined],
    ['malformed value in the other header', ['X-API-Key', 'junk'], 'partner', undefined],
    ['the own header, malformed', ['X-Partner-API-Key', 'junk'], 'partner', 'malformed_key'],
    ['both headers, org route', ['X-API-Key', ORG, 'X-Partner-API-Key', PARTNER], 'org', 'ambiguous_credentials'],
    ['both headers, partner route', ['X-Partner-API-Key', PARTNER, 'X-API-Key', ORG], 'partner', 'ambiguous_credentials'],
    ['the other header twice', ['x-api-key', ORG, 'x-api-key', ORG], 'partner', 'ambiguous_credentials'],
    ['org key, any route', ['X-API-Key', ORG], 'any', { family: 'org', plainKey: ORG }],
    ['partner key, any route', ['X-Partner-API-Key', PARTNER], 'any', { family: 'partner', plainKey: PARTNER }],
  ];
  for (const [label, rawHeaders, accepts, expected] of CASES) {
    const result = readCredential(rawHeaders, accepts);
    if (typeof expected === 'string') t.match(result, { code: expected }, `${label}: ${expected}`);
    else t.same(result, expected, label);
  }
});

const NOW = Date.UTC(2026, 0, 1);

function record(plainKey: string, family: KeyFamily, overrides: Partial<KeyAuthRecord> = {}): KeyAuthRecord {
  return keyRecord({ id: `key_${plainKey.slice(-4)}`, family, ownerId: 'org_A', hash: hashKey(plainKey), ...overrides });
}

function directoryOf(records: KeyAuthRecord[]): KeyDirectory {
  const byHash = new Map(records.map((r) => [r.hash, r]));
  return { findByHash: (hash) => byHash.get(hash) };
}

t.test('authenticate', async (t) => {
  const key = (n: number) => `bsk_live_${HEX.slice(0, 28)}${String(n).padStart(4, '0')}`;
  const active = record(key(1), 'org');
  const future = record(key(2), 'org', { expiresAt: NOW + 1 });
  const atNow = record(key(3), 'org', { expiresAt: NOW });
  const past = record(key(4), 'org', { expiresAt: NOW - 1 });
  const revoked = record(key(5), 'org', { status: 'revoked' });
  const revokedAndExpired = record(key(6), 'org', { status: 'revoked', expiresAt: NOW - 1 });
  // A record stored under an org key's hash but claiming the partner family.
  const crossFamily = record(key(7), 'partner');
  const directory = directoryOf([active, future, atNow, past, revoked, revokedAndExpired, crossFamily]);
  const clock = createManualClock(NOW);

  const CASES: [label: string, plainKey: string, expected: KeyAuthRecord | ErrorCode][] = [
    ['active, never expires', key(1), active],
    ['active, expires in 1 ms', key(2), future],
    ['expired at exactly now', key(3), 'key_expired'],
    ['expired 1 ms ago', key(4), 'key_expired'],
    ['revoked', key(5), 'key_revoked'],
    ['revoked and expired reports revoked', key(6), 'key_revoked'],
    ['unknown key', key(9), 'invalid_key'],
    ['hash found under another family', key(7), 'invalid_key'],
  ];
  for (const [label, plainKey, expected] of CASES) {
    const result = authenticate({ family: 'org', plainKey }, directory, clock);
    if (typeof expected !== 'string') {
      t.equal(result, expected, label);
      continue;
    }
    t.ok(result instanceof ApiError, `${label}: an ApiError`);
    if (!(result instanceof ApiError)) continue;
    t.equal(result.code, expected, `${label}: ${expected}`);
    t.equal(result.status, 401, `${label}: 401`);
    t.notOk(result.message.includes(plainKey), `${label}: detail does not echo the key`);
    if (expected !== 'invalid_key') t.same(result.context, { keyId: `key_${plainKey.slice(-4)}` }, `${label}: key id in private context`);
  }

  t.test('a key turns expired when the clock reaches expiresAt', async (t) => {
    const later = createManualClock(NOW - 2);
    const credential = { family: 'org' as const, plainKey: key(2) };
    t.equal(authenticate(credential, directory, later), future, '2 ms before');
    later.advance(2);
    t.equal(authenticate(credential, directory, later), future, '1 ms before');
    later.advance(1);
    t.match(authenticate(credential, directory, later), { code: 'key_expired' }, 'at expiresAt');
  });
});

// authorize matrix. Each row fixes key family and ownership against a
// requirement (the family of the route was settled by readCredential); rows
// without an expected code reach the scope check, which is then crossed with
// every granted set and every required scope.
t.test('authorize', async (t) => {
  const orgKey = (scopes: Scope[]) => record(ORG, 'org', { ownerId: 'org_A', scopes });
  const partnerKey = (scopes: Scope[]) => record(PARTNER, 'partner', { ownerId: 'partner_P', scopes });
  type Row = [label: string, key: (scopes: Scope[]) => KeyAuthRecord, need: Omit<AccessRequirement, 'scope'>, code?: ErrorCode];
  const ROWS: Row[] = [
    ['org key, own organization', orgKey, { organizationId: 'org_A' }],
    ['org key, other organization', orgKey, { organizationId: 'org_B' }, 'wrong_organization'],
    ['org key, no owner in the route', orgKey, {}],
    ['org key, a partner id equal to its owner id', orgKey, { partnerId: 'org_A' }, 'wrong_organization'],
    ['partner key, no owner in the route', partnerKey, {}],
    ['partner key, own partner id', partnerKey, { partnerId: 'partner_P' }],
    ['partner key, other partner id', partnerKey, { partnerId: 'partner_Q' }, 'wrong_organization'],
    ['partner key, an organization', partnerKey, { organizationId: 'org_A' }, 'wrong_organization'],
    ['partner key, an organization id equal to its owner id', partnerKey, { organizationId: 'partner_P' }, 'wrong_organization'],
  ];
  // Written out, not derived from holdsScope: admin covers read, write and admin only.
  const GRANTS: [granted: Scope[], holds: Scope[]][] = [
    [[], []],
    [['read'], ['read']],
    [['write'], ['write']],
    [
      ['read', 'write'],
      ['read', 'write'],
    ],
    [['admin'], ['read', 'write', 'admin']],
    [['agency:read'], ['agency:read']],
    [['agency:write'], ['agency:write']],
    [
      ['admin', 'agency:read'],
      ['read', 'write', 'admin', 'agency:read'],
    ],
    [[...SCOPES], [...SCOPES]],
  ];
  let checked = 0;
  for (const [label, makeKey, need, code] of ROWS) {
    for (const [granted, holds] of GRANTS) {
      for (const scope of SCOPES) {
        const expected: ErrorCode | undefined = code ?? (holds.includes(scope) ? undefined : 'insufficient_scope');
        const result = authorize(makeKey(granted), { ...need, scope });
        checked++;
        if (result?.code !== expected)
          t.fail(
            `${label}, granted [${granted.join(',')}], requires ${scope}: expected ${expected ?? 'allowed'}, got ${result?.code ?? 'allowed'}`,
          );
      }
    }
  }
  t.equal(checked, ROWS.length * GRANTS.length * SCOPES.length, `${checked} combinations checked`);

  t.test('error details', async (t) => {
    const other = authorize(orgKey(['admin']), { organizationId: 'org_B', scope: 'read' });
    t.match(other, { code: 'wrong_organization', status: 403, context: { keyId: 'key_cdef' } });
    t.notOk(other?.message.includes('org_B'), 'the other organization is not named');
    const scope = authorize(orgKey(['read']), { organizationId: 'org_A', scope: 'admin' });
    t.match(scope, {
      code: 'insufficient_scope',
      status: 403,
      message: /requires the "admin" scope/,
      extensions: { requiredScope: 'admin' },
    });
  });
});
