// Scope rules: `admin` implies the base scopes and never the agency scopes.
import t from 'tap';
import { expandScopes, hasAgencyScope, holdsScope, isScope, missingScopes, parseScopeList, SCOPES, type Scope } from '../../core/scopes.js';

// For each granted set: the scopes it must hold; every other scope it must not.
const HOLDS: [granted: Scope[], holds: Scope[]][] = [
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
  [
    ['agency:write', 'read'],
    ['read', 'agency:write'],
  ],
  [[...SCOPES], [...SCOPES]],
];

t.test('holdsScope over every scope', async (t) => {
  for (const [granted, holds] of HOLDS) {
    for (const required of SCOPES) {
      t.equal(
        holdsScope(granted, required),
        holds.includes(required),
        `[${granted.join(',')}] ${holds.includes(required) ? 'holds' : 'lacks'} ${required}`,
      );
    }
  }
});

t.test('expandScopes lists what holdsScope grants, in SCOPES order', async (t) => {
  for (const [granted, holds] of HOLDS) {
    t.same(
      expandScopes(granted),
      SCOPES.filter((s) => holds.includes(s)),
      `[${granted.join(',')}]`,
    );
  }
});

t.test('missingScopes: what a creator may not hand out', async (t) => {
  t.same(missingScopes(['admin'], ['read', 'write', 'admin']), []);
  t.same(missingScopes(['admin'], ['agency:read', 'read']), ['agency:read'], 'admin does not grant agency scopes');
  t.same(missingScopes(['read', 'write'], ['admin', 'read']), ['admin']);
  t.same(missingScopes(['agency:write'], ['agency:read']), ['agency:read'], 'agency:write does not imply agency:read');
  t.same(missingScopes(['read'], []), []);
});

t.test('isScope and hasAgencyScope', async (t) => {
  for (const scope of SCOPES) t.ok(isScope(scope), scope);
  for (const value of ['READ', 'agency', 'agency:admin', '', ' read', 'read ', '__proto__', 'toString', 1, null, undefined, {}, ['read']]) {
    t.notOk(isScope(value), `not a scope: ${JSON.stringify(value)}`);
  }
  t.ok(hasAgencyScope(['read', 'agency:read']));
  t.ok(hasAgencyScope(['agency:write']));
  t.notOk(hasAgencyScope(['read', 'write', 'admin']));
  t.notOk(hasAgencyScope([]));
});

t.test('parseScopeList', async (t) => {
  const VALID: [value: unknown, scopes: Scope[]][] = [
    [['read'], ['read']],
    [
      ['admin', 'read'],
      ['read', 'admin'],
    ],
    [
      ['agency:write', 'write', 'agency:read'],
      ['write', 'agency:read', 'agency:write'],
    ],
    [[...SCOPES].reverse(), [...SCOPES]],
  ];
  for (const [value, scopes] of VALID) t.same(parseScopeList(value), { ok: true, scopes }, `${JSON.stringify(value)}, sorted`);

  const INVALID: [label: string, value: unknown, problem: RegExp][] = [
    ['not an array', 'read', /must be an array/],
    ['an object', { 0: 'read' }, /must be an array/],
    ['null', null, /must be an array/],
    ['empty', [], /must not be empty/],
    ['unknown name', ['read', 'superuser'], /unknown scope "superuser"; known scopes: read, write, admin, agency:read, agency:write/],
    ['wrong case', ['Read'], /unknown scope "Read"/],
    ['not a string', ['read', 7], /unknown scope number/],
    ['nested array', [['read']], /unknown scope object/],
    ['duplicate', ['read', 'write', 'read'], /duplicate scope "read"/],
    ['long unknown name is cut in the message', ['x'.repeat(500)], /unknown scope "x{40}";/],
  ];
  for (const [label, value, problem] of INVALID) {
    const result = parseScopeList(value);
    t.equal(result.ok, false, `${label}: rejected`);
    if (!result.ok) t.match(result.problem, problem, `${label}: message`);
  }
});
