// The key record's field table and the change-feed page parser built on it:
// what the store hands out passes; anything missing, mistyped or extra fails,
// naming the field. Table-driven, no servers.
import t from 'tap';
import type { KeyAuthRecord } from '../../core/key-record.js';
import { InvalidChangesPageError, parseChangesPage } from '../../core/change-feed.js';
import { KEY_RECORD_FIELDS, keyRecordProblem } from '../../core/key-record.js';
import { keyRecord } from '../helpers/key-record.js';

const RECORD: KeyAuthRecord = keyRecord({
  id: '5f0c2a6e-3b1d-4c7a-9e8f-0a1b2c3d4e5f',
  family: 'partner',
  ownerId: 'p-1',
  scopes: ['read', 'agency:read'],
  status: 'revoked',
  expiresAt: Date.UTC(2030, 0, 1),
  seq: 42,
});

t.test('the field table names every field of the record, in its order', async (t) => {
  t.same(Object.keys(KEY_RECORD_FIELDS), Object.keys(RECORD));
  t.ok(Object.isFrozen(KEY_RECORD_FIELDS));
});

t.test('keyRecordProblem', async (t) => {
  const CASES: [label: string, value: unknown, problem: string | undefined][] = [
    ['a whole record', RECORD, undefined],
    ['no expiry', { ...RECORD, expiresAt: null }, undefined],
    ['no scopes', { ...RECORD, scopes: [] }, undefined],
    ['null', null, 'is not an object'],
    ['an array', [RECORD], 'is not an object'],
    ['a string', 'record', 'is not an object'],
    ['an unknown member', { ...RECORD, name: 'x' }, 'has an unknown member "name"'],
    [
      'a member inherited from JSON __proto__',
      JSON.parse(`{"__proto__": 1, ${JSON.stringify(RECORD).slice(1)}`),
      'has an unknown member "__proto__"',
    ],
    ['a missing field', (({ seq: _seq, ...rest }) => rest)(RECORD), 'lacks "seq"'],
    ['an undefined field', { ...RECORD, ownerId: undefined }, 'has an invalid "ownerId"'],
    ['an empty id', { ...RECORD, id: '' }, 'has an invalid "id"'],
    ['an unknown family', { ...RECORD, family: 'admin' }, 'has an invalid "family"'],
    ['a family from the prototype', { ...RECORD, family: 'toString' }, 'has an invalid "family"'],
    ['a hash that is not a string', { ...RECORD, hash: 1 }, 'has an invalid "hash"'],
    ['a short hash', { ...RECORD, hash: 'ab'.repeat(31) }, 'has an invalid "hash"'],
    ['scopes as a string', { ...RECORD, scopes: 'read' }, 'has an invalid "scopes"'],
    ['an unknown scope', { ...RECORD, scopes: ['read', 'root'] }, 'has an invalid "scopes"'],
    ['an unknown status', { ...RECORD, status: 'suspended' }, 'has an invalid "status"'],
    ['an expiry as a date string', { ...RECORD, expiresAt: '2030-01-01' }, 'has an invalid "expiresAt"'],
    ['a fractional expiry', { ...RECORD, expiresAt: 1.5 }, 'has an invalid "expiresAt"'],
    ['seq 0', { ...RECORD, seq: 0 }, 'has an invalid "seq"'],
    ['seq as a string', { ...RECORD, seq: '42' }, 'has an invalid "seq"'],
  ];
  for (const [label, value, problem] of CASES) t.equal(keyRecordProblem(value), problem, label);
});

t.test('parseChangesPage', async (t) => {
  const body = { records: [RECORD], nextSince: 42, latestSeq: 50, hasMore: true };
  const page = parseChangesPage(JSON.parse(JSON.stringify(body)));
  t.same(page, body, 'a page round-trips through JSON');

  const REFUSED: [label: string, body: unknown, problem: RegExp][] = [
    ['null', null, /the body is not an object/],
    ['a missing member', { records: [], nextSince: 0, latestSeq: 0 }, /exactly records, nextSince, latestSeq and hasMore/],
    ['an extra member', { ...body, junk: 1 }, /exactly records, nextSince, latestSeq and hasMore/],
    ['a renamed member', { records: [], nextSince: 0, latestSeq: 0, more: false }, /hasMore is not a boolean/],
    ['a fractional latestSeq', { ...body, latestSeq: 1.5 }, /latestSeq is not a sequence number/],
    ['a bad second record', { ...body, records: [RECORD, { ...RECORD, status: 1 }] }, /records\[1\] has an invalid "status"/],
  ];
  for (const [label, refused, problem] of REFUSED) {
    t.throws(() => parseChangesPage(refused), InvalidChangesPageError, label);
    t.throws(() => parseChangesPage(refused), { message: problem }, label);
  }
});
