// The key bodies (create, and rotate and update alike) are validated from the
// schemas the OpenAPI document publishes: the validators compile those very
// objects, every rule in them refuses a body with the message the API has
// always given, no code repeats a rule (drop it from the schema and its body
// goes through), and a body that breaks several rules gets the problem of
// each wrong member, in the API's order of checks.
import t from 'tap';
import { compileCreateKeyBodyCheck } from '../../admin/create-key-body.js';
import { buildOpenApiDocument } from '../../admin/openapi/document.js';
import {
  CREATE_KEY_REQUEST_SCHEMAS,
  familySchema,
  ROTATE_KEY_REQUEST_SCHEMA,
  ROTATE_REQUEST_SCHEMA_NAME,
  UPDATE_KEY_REQUEST_SCHEMAS,
  type JsonSchema,
} from '../../admin/openapi/schemas.js';
import { compileRotateKeyBodyCheck } from '../../admin/rotate-key-body.js';
import { compileUpdateKeyBodyCheck } from '../../admin/update-key-body.js';
import { ADMIN_ROUTES } from '../../admin/routes.js';
import { FAMILIES, type KeyFamily } from '../../core/keys.js';

const NOW = Date.UTC(2026, 0, 1);
const FAMILY_LIST = Object.keys(FAMILIES) as KeyFamily[];
const KNOWN = 'known scopes: read, write, admin, agency:read, agency:write';
const DEFAULTS: Record<KeyFamily, string[]> = { org: ['read', 'write'], partner: ['read', 'write', 'admin'] };
const CREATE_MEMBERS = 'allowed: name, scopes, expiresAt, allowedIps, rateLimits, quota';
const UPDATE_MEMBERS = 'name, scopes, expiresAt, allowedIps, rateLimits, quota';
const RATE_LIMITS_NOT_A_LIST = 'rateLimits must be a list of {"limit", "duration"} windows, or null for the policy default';
const LIMIT_0 = 'rateLimits[0].limit must be a positive whole number';
const DURATION_0 = 'rateLimits[0].duration (milliseconds) must be from 1 s to 366 days';
const QUOTA_NOT_AN_OBJECT = 'quota must be an object {"limit", "period"}, or null for the policy default';
const QUOTA_LIMIT = 'quota.limit must be a positive whole number';
const GRACE = 'gracePeriodSeconds must be a whole number of seconds from 0 to 2592000 (30 days)';

type Check = (body: unknown, family: KeyFamily, nowMs: number) => { ok: boolean };
type Schemas = Readonly<Record<KeyFamily, JsonSchema>>;

// [pointer to the rule]: [a body that breaks that rule only, the problem the API answers]
type RuleCases = Record<string, [unknown, string]>;

/** The rules of the members create and update share. */
const memberCases = (family: KeyFamily): RuleCases => ({
  '/properties/name/type': [{ name: 42 }, 'name must be a string'],
  '/properties/name/pattern': [{ name: ' \t\u3000 ' }, 'name must not be empty'],
  '/properties/name/maxLength': [{ name: 'n'.repeat(256) }, 'name must be at most 255 characters'],
  '/properties/scopes/type': [{ name: 'x', scopes: 'read' }, 'scopes must be an array of strings'],
  '/properties/scopes/items/type': [{ name: 'x', scopes: [1] }, `unknown scope number; ${KNOWN}`],
  '/properties/scopes/items/enum':
    family === 'org'
      ? [{ name: 'x', scopes: ['superuser'] }, `unknown scope "superuser"; ${KNOWN}`]
      : [{ name: 'x', scopes: ['agency:read'] }, 'agency:read and agency:write exist only for organization keys'],
  '/properties/scopes/minItems': [{ name: 'x', scopes: [] }, 'scopes must not be empty'],
  '/properties/scopes/uniqueItems': [{ name: 'x', scopes: ['read', 'read'] }, 'duplicate scope "read"'],
  '/properties/expiresAt/type': [{ name: 'x', expiresAt: 1893456000000 }, 'expiresAt must be an RFC 3339 date-time string or null'],
  '/properties/expiresAt/format': [
    { name: 'x', expiresAt: '2030-01-31T00:00:00' },
    'expiresAt must be an RFC 3339 date-time with a time zone, e.g. 2030-01-31T00:00:00Z',
  ],
  '/properties/allowedIps/type': [{ name: 'x', allowedIps: 5 }, 'allowedIps must be an array of IP addresses or CIDRs, not a number'],
  '/properties/allowedIps/items/type': [{ name: 'x', allowedIps: [1] }, 'allowedIps has an invalid entry: [0] is a number, not a string'],
  '/properties/allowedIps/items/minLength': [{ name: 'x', allowedIps: [''] }, 'allowedIps has an invalid entry: [0] "": empty string'],
  '/properties/allowedIps/minItems': [{ name: 'x', allowedIps: [] }, 'allowedIps must not be empty; use null to allow any address'],
  '/properties/allowedIps/maxItems': [
    { name: 'x', allowedIps: Array.from({ length: 101 }, (_, i) => `10.0.0.${i}`) },
    'allowedIps has 101 entries; at most 100 are allowed',
  ],
  '/properties/rateLimits/type': [{ name: 'x', rateLimits: {} }, RATE_LIMITS_NOT_A_LIST],
  '/properties/rateLimits/items/type': [{ name: 'x', rateLimits: [5] }, 'rateLimits[0] must be an object {"limit", "duration"}'],
  '/properties/rateLimits/items/additionalProperties': [
    { name: 'x', rateLimits: [{ limit: 5, duration: 1000, per: 1 }] },
    'rateLimits[0] has an unknown member "per"; allowed: limit, duration',
  ],
  '/properties/rateLimits/items/required': [{ name: 'x', rateLimits: [{ limit: 5 }] }, 'rateLimits[0].duration is required'],
  '/properties/rateLimits/items/properties/limit/type': [{ name: 'x', rateLimits: [{ limit: '5', duration: 1000 }] }, LIMIT_0],
  '/properties/rateLimits/items/properties/limit/minimum': [{ name: 'x', rateLimits: [{ limit: 0, duration: 1000 }] }, LIMIT_0],
  '/properties/rateLimits/items/properties/limit/maximum': [{ name: 'x', rateLimits: [{ limit: 2 ** 53, duration: 1000 }] }, LIMIT_0],
  '/properties/rateLimits/items/properties/duration/type': [{ name: 'x', rateLimits: [{ limit: 5, duration: 1.5e3 + 0.5 }] }, DURATION_0],
  '/properties/rateLimits/items/properties/duration/minimum': [{ name: 'x', rateLimits: [{ limit: 5, duration: 999 }] }, DURATION_0],
  '/properties/rateLimits/items/properties/duration/maximum': [
    { name: 'x', rateLimits: [{ limit: 5, duration: 366 * 86_400_000 + 1 }] },
    DURATION_0,
  ],
  '/properties/rateLimits/minItems': [{ name: 'x', rateLimits: [] }, 'rateLimits: must hold at least one window'],
  '/properties/rateLimits/maxItems': [
    { name: 'x', rateLimits: Array.from({ length: 9 }, (_, i) => ({ limit: 10 * (i + 1), duration: 1000 * (i + 1) })) },
    'rateLimits: holds 9 windows; at most 8',
  ],
  '/properties/quota/type': [{ name: 'x', quota: [] }, QUOTA_NOT_AN_OBJECT],
  '/properties/quota/additionalProperties': [
    { name: 'x', quota: { limit: 5, period: 'day', reset: 'utc' } },
    'quota has an unknown member "reset"; allowed: limit, period',
  ],
  '/properties/quota/required': [{ name: 'x', quota: { limit: 5 } }, 'quota.period is required'],
  '/properties/quota/properties/limit/type': [{ name: 'x', quota: { limit: '5', period: 'day' } }, QUOTA_LIMIT],
  '/properties/quota/properties/limit/minimum': [{ name: 'x', quota: { limit: -1, period: 'day' } }, QUOTA_LIMIT],
  '/properties/quota/properties/limit/maximum': [{ name: 'x', quota: { limit: 2 ** 53, period: 'day' } }, QUOTA_LIMIT],
  '/properties/quota/properties/period/enum': [
    { name: 'x', quota: { limit: 5, period: 'week' } },
    'quota.period must be one of day, month',
  ],
});

interface BodyUnderTest {
  label: string;
  families: readonly KeyFamily[];
  schemas: Schemas;
  /** The document's component for `family`. */
  component(family: KeyFamily): string;
  compile(schemas?: Schemas): Check;
  cases(family: KeyFamily): RuleCases;
}

const BODIES: readonly BodyUnderTest[] = [
  {
    label: 'create',
    families: FAMILY_LIST,
    schemas: CREATE_KEY_REQUEST_SCHEMAS,
    component: (family) => familySchema(family, 'ApiKeyCreateRequest'),
    compile: (schemas) => compileCreateKeyBodyCheck(schemas),
    cases: (family) => ({
      '/type': [[{ name: 'x' }], 'the body must be a JSON object'],
      '/additionalProperties': [{ name: 'x', admin: true }, `unknown field "admin"; ${CREATE_MEMBERS}`],
      '/required': [{ scopes: ['read'] }, 'name is required'],
      ...memberCases(family),
    }),
  },
  {
    label: 'update',
    families: FAMILY_LIST,
    schemas: UPDATE_KEY_REQUEST_SCHEMAS,
    component: (family) => familySchema(family, 'ApiKeyUpdateRequest'),
    compile: (schemas) => compileUpdateKeyBodyCheck(schemas),
    cases: (family) => ({
      '/type': [[{ name: 'x' }], 'the body must be a JSON object'],
      '/additionalProperties': [{ status: 'revoked' }, `unknown field "status"; allowed: ${UPDATE_MEMBERS}`],
      '/minProperties': [{}, `nothing to update: send at least one of ${UPDATE_MEMBERS}`],
      ...memberCases(family),
    }),
  },
  {
    label: 'rotate',
    families: ['org'], // one schema for both families
    schemas: { org: ROTATE_KEY_REQUEST_SCHEMA, partner: ROTATE_KEY_REQUEST_SCHEMA },
    component: () => ROTATE_REQUEST_SCHEMA_NAME,
    compile: (schemas) => compileRotateKeyBodyCheck(schemas?.org),
    cases: () => ({
      '/type': [[], 'the body must be a JSON object'],
      '/additionalProperties': [{ graceSeconds: 5 }, 'unknown field "graceSeconds"; allowed: gracePeriodSeconds, name'],
      '/properties/gracePeriodSeconds/type': [{ gracePeriodSeconds: 1.5 }, GRACE],
      '/properties/gracePeriodSeconds/minimum': [{ gracePeriodSeconds: -1 }, GRACE],
      '/properties/gracePeriodSeconds/maximum': [{ gracePeriodSeconds: 2_592_001 }, GRACE],
      '/properties/name/type': [{ name: 42 }, 'name must be a string'],
      '/properties/name/pattern': [{ name: ' \t\u3000 ' }, 'name must not be empty'],
      '/properties/name/maxLength': [{ name: 'n'.repeat(256) }, 'name must be at most 255 characters'],
    }),
  },
];

t.test('the validators compile the very schema objects the document publishes', async (t) => {
  const doc = buildOpenApiDocument(ADMIN_ROUTES) as Record<string, any>;
  t.equal((compileCreateKeyBodyCheck().schemas as Schemas).org, CREATE_KEY_REQUEST_SCHEMAS.org, 'create keeps its schemas');
  for (const body of BODIES) {
    for (const family of FAMILY_LIST) {
      const name = body.component(family);
      t.equal(body.schemas[family], doc.components.schemas[name], `${body.label} ${family}: the document's ${name}, the same object`);
      const route = ADMIN_ROUTES.find((r) => r.kind === 'key' && r.family === family && r.doc.requestSchema === name);
      t.ok(route, `${body.label} ${family} has a route`);
      const requestBody = doc.paths[route!.pattern][route!.method.toLowerCase()].requestBody;
      t.same(requestBody.content['application/json'].schema, { $ref: `#/components/schemas/${name}` }, `${route!.template} publishes it`);
      t.equal(
        requestBody.required,
        body.label !== 'rotate',
        `${route!.template}: the body is ${body.label === 'rotate' ? 'optional' : 'required'}`,
      );
      t.ok(Object.isFrozen(body.schemas[family].properties), 'frozen: neither side can change what the other reads');
    }
  }
});

// Every validation keyword of the schema, as a JSON pointer; annotations validate nothing.
const ANNOTATIONS = new Set(['description', 'default']);
function rulesOf(schema: JsonSchema, at = ''): string[] {
  return Object.entries(schema).flatMap(([keyword, value]) => {
    if (ANNOTATIONS.has(keyword)) return [];
    if (keyword === 'properties') {
      return Object.entries(value as Record<string, JsonSchema>).flatMap(([name, member]) => rulesOf(member, `${at}/properties/${name}`));
    }
    if (keyword === 'items') return rulesOf(value as JsonSchema, `${at}/items`);
    return [`${at}/${keyword}`];
  });
}

/**
 * Rules another rule or code also says. Scope items are typed for ajv's linear
 * uniqueItems; without the type, the enum still refuses a non-string. The
 * allowlist's bounds and empty entries are published for clients, and
 * core/ip-allowlist.ts, the one reading of a list for the API, the CLI and the
 * settings alike, checks the whole list itself.
 */
const ALSO_SAID_ELSEWHERE = new Set([
  '/properties/scopes/items/type',
  '/properties/allowedIps/items/minLength',
  '/properties/allowedIps/minItems',
  '/properties/allowedIps/maxItems',
  // A key's own limits are worded and checked whole by admin/key-limits.ts,
  // with the policy's rules (core/rate-limits.ts); the schema publishes them.
  '/properties/rateLimits/items/additionalProperties',
  '/properties/rateLimits/items/required',
  '/properties/rateLimits/items/properties/limit/minimum',
  '/properties/rateLimits/items/properties/limit/maximum',
  '/properties/rateLimits/items/properties/duration/minimum',
  '/properties/rateLimits/items/properties/duration/maximum',
  '/properties/rateLimits/minItems',
  '/properties/rateLimits/maxItems',
  '/properties/quota/additionalProperties',
  '/properties/quota/required',
  '/properties/quota/properties/limit/minimum',
  '/properties/quota/properties/limit/maximum',
  '/properties/quota/properties/period/enum',
]);
/** A type whose typed rules stay cannot go alone: strict ajv refuses the schema, so no server would start. */
const STRICT_AJV_REFUSES_WITHOUT = new Set([
  '/type',
  '/properties/name/type',
  '/properties/scopes/type',
  '/properties/expiresAt/type',
  '/properties/allowedIps/type',
  '/properties/allowedIps/items/type',
  '/properties/gracePeriodSeconds/type',
  '/properties/rateLimits/type',
  '/properties/rateLimits/items/type',
  '/properties/rateLimits/items/properties/limit/type',
  '/properties/rateLimits/items/properties/duration/type',
  '/properties/quota/type',
  '/properties/quota/properties/limit/type',
]);

function withoutRule(schema: JsonSchema, pointer: string): JsonSchema {
  const copy = structuredClone(schema);
  const tokens = pointer.slice(1).split('/');
  const keyword = tokens.pop() as string;
  const parent = tokens.reduce<Record<string, unknown>>((node, token) => node[token] as Record<string, unknown>, copy);
  delete parent[keyword];
  return copy;
}

t.test('every rule of the published schemas refuses a body, with the message the API has always given', async (t) => {
  for (const body of BODIES) {
    const check = body.compile();
    for (const family of body.families) {
      const cases = body.cases(family);
      // A rule dropped from (or added to) the schema without its case here fails this line.
      t.same(rulesOf(body.schemas[family]).sort(), Object.keys(cases).sort(), `${body.label} ${family}: every rule has a case`);
      for (const [pointer, [input, problem]] of Object.entries(cases)) {
        t.same(check(input, family, NOW), { ok: false, problem }, `${body.label} ${family} ${pointer}`);
      }
    }
  }
});

t.test('no code repeats a schema rule: without the rule, its body goes through', async (t) => {
  for (const body of BODIES) {
    for (const family of body.families) {
      for (const [pointer, [input, problem]] of Object.entries(body.cases(family))) {
        const loosened = { ...body.schemas, [family]: withoutRule(body.schemas[family], pointer) };
        const label = `${body.label} ${family} ${pointer}`;
        if (STRICT_AJV_REFUSES_WITHOUT.has(pointer)) {
          t.throws(() => body.compile(loosened), /strict mode: missing type/, `${label}: the schema no longer compiles`);
          continue;
        }
        const check = body.compile(loosened);
        if (ALSO_SAID_ELSEWHERE.has(pointer)) t.same(check(input, family, NOW), { ok: false, problem }, label);
        else t.equal(check(input, family, NOW).ok, true, `${label}: only the schema refused it`);
      }
    }
  }
  const tighter = structuredClone(CREATE_KEY_REQUEST_SCHEMAS.org) as Record<string, any>;
  tighter.properties.name.maxLength = 8;
  const check = compileCreateKeyBodyCheck({ ...CREATE_KEY_REQUEST_SCHEMAS, org: tighter });
  t.same(
    check({ name: 'n'.repeat(9) }, 'org', NOW),
    { ok: false, problem: 'name must be at most 8 characters' },
    "the schema's limit, in its message",
  );
  t.equal(check({ name: 'n'.repeat(8) }, 'org', NOW).ok, true);
});

t.test('what only code says: trimming, characters, a future expiry', async (t) => {
  const check = compileCreateKeyBodyCheck();
  for (const family of FAMILY_LIST) {
    const scopes = DEFAULTS[family];
    const padded = ` ${'n'.repeat(255)}\u3000`;
    const value = { name: 'n'.repeat(255), scopes, expiresAt: null, allowedIps: null, rateLimits: null, quota: null };
    t.same(check({ name: padded }, family, NOW), { ok: true, value }, `${family}: the length is the trimmed name's`);
    t.same(check({ name: 'a\u0000b' }, family, NOW), { ok: false, problem: 'name must not contain control characters' });
    t.same(check({ name: 'x', expiresAt: '2026-01-01T00:00:00Z' }, family, NOW), { ok: false, problem: 'expiresAt must be in the future' });
    t.same(check({ name: 'x', expiresAt: '2026-01-01T00:00:00.001Z' }, family, NOW), {
      ok: true,
      value: { name: 'x', scopes, expiresAt: NOW + 1, allowedIps: null, rateLimits: null, quota: null },
    });
  }
});

t.test("date-time is the API's RFC 3339 reading, not ajv-formats'", async (t) => {
  const check = compileCreateKeyBodyCheck();
  const rfc3339 = 'expiresAt must be an RFC 3339 date-time with a time zone, e.g. 2030-01-31T00:00:00Z';
  for (const expiresAt of ['2030-01-31 00:00:00Z', '2030-01-31T00:00:00+0100', '2030-01-31T00:00:00+01']) {
    t.same(check({ name: 'x', expiresAt }, 'org', NOW), { ok: false, problem: rfc3339 }, `${expiresAt} refused`);
  }
  t.same(
    check({ name: 'x', expiresAt: '2030-01-31T00:00:60Z' }, 'org', NOW),
    {
      ok: true,
      value: {
        name: 'x',
        scopes: ['read', 'write'],
        expiresAt: Date.UTC(2030, 0, 31, 0, 1),
        allowedIps: null,
        rateLimits: null,
        quota: null,
      },
    },
    'a leap second anywhere is the next minute',
  );
});

t.test('a body breaking several rules gets every wrong member named, in the order of checks', async (t) => {
  const check = compileCreateKeyBodyCheck();
  // [family, body, problem]: shape, unknown members and a missing name alone; then one problem per wrong member
  // (name, scopes, expiresAt, allowedIps, rateLimits, quota), each schema before code.
  const cases: Array<[KeyFamily, unknown, string]> = [
    ['org', { extra: 1 }, 'unknown field "extra"; allowed: name, scopes, expiresAt, allowedIps, rateLimits, quota'],
    [
      'org',
      { name: 42, scopes: 'x', b: 1, a: 2 },
      'unknown fields "b", "a"; allowed: name, scopes, expiresAt, allowedIps, rateLimits, quota',
    ],
    [
      'org',
      { a: 1, b: 2, c: 3, d: 4, e: 5, f: 6 },
      'unknown fields "a", "b", "c", "d", "e"; allowed: name, scopes, expiresAt, allowedIps, rateLimits, quota',
    ],
    [
      'org',
      { [`${'k'.repeat(45)}`]: 1, name: 'x' },
      `unknown field "${'k'.repeat(40)}"; allowed: name, scopes, expiresAt, allowedIps, rateLimits, quota`,
    ],
    ['org', { scopes: 'x', expiresAt: 5 }, 'name is required'],
    ['org', { name: 42, scopes: [] }, 'name must be a string; scopes must not be empty'],
    [
      'org',
      { name: 'a\u202eb', scopes: 'x' },
      'name must not contain bidirectional control characters (U+202A–U+202E, U+2066–U+2069); scopes must be an array of strings',
    ],
    ['org', { name: 'a\ud800\u0000', scopes: 'x' }, 'name must be valid Unicode (no lone surrogates); scopes must be an array of strings'],
    ['org', { name: 'x', scopes: [], expiresAt: 5 }, 'scopes must not be empty; expiresAt must be an RFC 3339 date-time string or null'],
    ['org', { name: 'x', scopes: ['read', 'read', 'nope'] }, 'duplicate scope "read"'],
    ['org', { name: 'x', scopes: ['nope', 'read', 'read'] }, `unknown scope "nope"; ${KNOWN}`],
    ['org', { name: 'x', scopes: ['read', 'write', 'read', 'write'] }, 'duplicate scope "read"'],
    ['org', { name: 'x', scopes: ['write', 'read', 'read', 'write'] }, 'duplicate scope "read"'],
    ['org', { name: 'x', scopes: [null, 'nope'] }, `unknown scope object; ${KNOWN}`],
    ['partner', { name: 'x', scopes: ['agency:read', 'nope'] }, `unknown scope "nope"; ${KNOWN}`],
    ['partner', { name: 'x', scopes: ['agency:read', 'read', 'read'] }, 'duplicate scope "read"'],
    [
      'partner',
      { name: 'x', scopes: ['agency:write', 'admin'], expiresAt: 5 },
      'agency:read and agency:write exist only for organization keys; expiresAt must be an RFC 3339 date-time string or null',
    ],
    [
      'org',
      { name: 'x', rateLimits: [{ limit: 0, duration: 5 }], quota: { limit: 1, period: 'week' } },
      `${LIMIT_0}; ${DURATION_0}; quota.period must be one of day, month`,
    ],
    ['org', { name: 'x', scopes: ['read'], expiresAt: '2020-01-01T00:00:00Z' }, 'expiresAt must be in the future'],
  ];
  for (const [family, body, problem] of cases)
    t.same(check(body, family, NOW), { ok: false, problem }, `${family} ${JSON.stringify(body)}`);
  const proto = JSON.parse('{"name":"x","__proto__":{"scopes":["admin"]}}');
  t.same(check(proto, 'org', NOW), {
    ok: false,
    problem: 'unknown field "__proto__"; allowed: name, scopes, expiresAt, allowedIps, rateLimits, quota',
  });
});
