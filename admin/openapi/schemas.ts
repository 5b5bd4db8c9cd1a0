// The JSON Schemas (2020-12, as OpenAPI 3.1 uses) of the admin API's bodies.
// Every rule the code owns is read from the code: scope names, key formats,
// owner ids, name length, default scopes, error codes. Schemas are strict
// (no unknown members), so a response that leaks anything fails the tests.
import { ERROR_CODES } from '../../core/errors.js';
import { FAMILIES, RANDOM_HEX_LENGTH, VISIBLE_RANDOM_CHARS, type KeyFamily } from '../../core/keys.js';
import { MAX_ALLOWED_IPS } from '../../core/ip-allowlist.js';
import { MAX_WINDOW_MS, MAX_WINDOWS, MIN_WINDOW_MS, QUOTA_PERIODS } from '../../core/rate-limits.js';
import { BASE_SCOPES, SCOPES } from '../../core/scopes.js';
import { ADMIN_BODY_LIMIT } from '../http/body.js';
import { DEFAULT_SCOPES, GRACE_PERIOD_SECONDS, MAX_NAME_LENGTH, OWNER_ID_PATTERN } from '../validation.js';

export type JsonSchema = Record<string, unknown>;

export const ref = (schema: string): JsonSchema => ({ $ref: `#/components/schemas/${schema}` });

/** Component names per family: `OrganizationApiKey`, `PartnerApiKeyList`, ... */
export const FAMILY_NAME: Readonly<Record<KeyFamily, string>> = { org: 'Organization', partner: 'Partner' };

export type FamilySchema =
  'ApiKey' | 'ApiKeyList' | 'ApiKeyCreated' | 'ApiKeyCreateRequest' | 'ApiKeyRotated' | 'ApiKeyUpdated' | 'ApiKeyUpdateRequest';

/** The component of the rotate body, one for both families. */
export const ROTATE_REQUEST_SCHEMA_NAME = 'ApiKeyRotateRequest';
export const familySchema = (family: KeyFamily, schema: FamilySchema): string => `${FAMILY_NAME[family]}${schema}`;

const OWNER_FIELD: Readonly<Record<KeyFamily, string>> = { org: 'organizationId', partner: 'partnerId' };
/** Agency scopes exist only for organization keys. */
const FAMILY_SCOPES: Readonly<Record<KeyFamily, readonly string[]>> = { org: SCOPES, partner: BASE_SCOPES };

const timestamp = (description: string, nullable = false): JsonSchema => ({
  type: nullable ? ['string', 'null'] : 'string',
  format: 'date-time',
  description,
});

export const ownerIdSchema: JsonSchema = { type: 'string', pattern: OWNER_ID_PATTERN };

// Items are typed as well as enumerated so that ajv checks uniqueItems with
// one pass over a hash (admin/create-key-body.ts validates with this schema).
const scopeList = (family: KeyFamily): JsonSchema => ({
  type: 'array',
  items: { type: 'string', enum: [...FAMILY_SCOPES[family]] },
  minItems: 1,
  uniqueItems: true,
});

/** An allowlist: IPv4/IPv6 addresses or CIDRs, normalized by the service (core/ip-allowlist.ts), or null. */
const allowedIpsSchema = (description: string): JsonSchema => ({
  type: ['array', 'null'],
  items: { type: 'string', minLength: 1 },
  minItems: 1,
  maxItems: MAX_ALLOWED_IPS,
  description,
});

const positiveCount: JsonSchema = { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER };

/** A key's own windows, in the API's form (admin/key-limits.ts; the rules are core/rate-limits.ts'), or null. */
const rateLimitsSchema = (description: string): JsonSchema => ({
  type: ['array', 'null'],
  items: {
    type: 'object',
    additionalProperties: false,
    required: ['limit', 'duration'],
    properties: {
      limit: { ...positiveCount, description: "Requests the window holds (its bucket's capacity), refilled continuously." },
      duration: {
        type: 'integer',
        minimum: MIN_WINDOW_MS,
        maximum: MAX_WINDOW_MS,
        description: 'The window, in milliseconds (1 s to 366 days).',
      },
    },
  },
  minItems: 1,
  maxItems: MAX_WINDOWS,
  description,
});

/** A key's own calendar quota (UTC days or months), or null. */
const quotaSchema = (description: string): JsonSchema => ({
  type: ['object', 'null'],
  additionalProperties: false,
  required: ['limit', 'period'],
  properties: {
    limit: { ...positiveCount, description: 'Admitted requests (weighted by route cost) per period.' },
    period: { enum: [...QUOTA_PERIODS], description: 'day: resets at 00:00 UTC; month: at 00:00 UTC on the 1st.' },
  },
  description,
});

const REQUEST_RATE_LIMITS_TEXT =
  `The key's own token-bucket windows, replacing the policy's defaults.rateLimit: 1 to ${MAX_WINDOWS}, each ` +
  '{limit, duration} (duration in milliseconds, 1 s to 366 days), no two of one duration, and a longer window may not ' +
  'allow fewer requests than a shorter one. All are checked on every request, all-or-nothing.';
const REQUEST_QUOTA_TEXT =
  "The key's own calendar quota, replacing the policy's defaults.quota: {limit, period}, period day or month (UTC).";
/** Changing a key's limits is acting on the key: the caller could have created it. */
const LIMITS_ESCALATION_TEXT = 'Changing it needs every scope the key holds (else 403 scope_escalation).';

const deepFreeze = <T>(value: T): T => {
  if (typeof value === 'object' && value !== null) {
    for (const member of Object.values(value)) deepFreeze(member);
    Object.freeze(value);
  }
  return value;
};

const NAME_RULES_TEXT =
  'Trimmed; not blank; no control characters, bidirectional controls (U+202A–U+202E, U+2066–U+2069), ' +
  'line or paragraph separators (U+2028, U+2029), zero-width characters (U+200B–U+200D, U+2060, U+FEFF) ' +
  'or lone surrogates.';
const nameSchema = (description: string): JsonSchema => ({ type: 'string', pattern: '\\S', maxLength: MAX_NAME_LENGTH, description });

const bodyDescription = (extra = ''): string => `A JSON object of at most ${ADMIN_BODY_LIMIT} bytes with these members only.${extra}`;

const escalationText = (family: KeyFamily): string =>
  'Scopes the calling key holds itself (else 403 scope_escalation); admin implies read and write.' +
  (family === 'org' ? ' agency:read and agency:write only for agency organizations.' : '');

const REQUEST_ALLOWLIST_TEXT =
  `1 to ${MAX_ALLOWED_IPS} IPv4/IPv6 addresses or CIDRs (e.g. 192.0.2.7, 10.0.0.0/8, 2001:db8::/32), normalized, ` +
  'no duplicates; hostnames are refused. IPv4-mapped IPv6 matches its IPv4 form.';

const createKeyRequestSchema = (family: KeyFamily): JsonSchema =>
  deepFreeze({
    type: 'object',
    description: bodyDescription(),
    additionalProperties: false,
    required: ['name'],
    properties: {
      name: nameSchema(NAME_RULES_TEXT),
      scopes: { ...scopeList(family), default: [...DEFAULT_SCOPES[family]], description: escalationText(family) },
      expiresAt: timestamp('RFC 3339 with a time zone, in the future; null or absent: never expires.', true),
      allowedIps: allowedIpsSchema(`${REQUEST_ALLOWLIST_TEXT} null or absent: any address.`),
      rateLimits: rateLimitsSchema(`${REQUEST_RATE_LIMITS_TEXT} null or absent: the policy's.`),
      quota: quotaSchema(`${REQUEST_QUOTA_TEXT} null or absent: the policy's.`),
    },
  });

/**
 * The create-key request bodies, one per family. The document publishes these
 * very objects and admin/create-key-body.ts compiles them: the one statement
 * of the body's rules. Frozen, so neither can change what the other reads.
 * So are the rotate and update bodies below, for admin/rotate-key-body.ts and
 * admin/update-key-body.ts.
 */
export const CREATE_KEY_REQUEST_SCHEMAS: Readonly<Record<KeyFamily, JsonSchema>> = Object.freeze({
  org: createKeyRequestSchema('org'),
  partner: createKeyRequestSchema('partner'),
});

/** The rotate body, the same for both families; the whole body is optional. */
export const ROTATE_KEY_REQUEST_SCHEMA: JsonSchema = deepFreeze({
  type: 'object',
  description: bodyDescription(' The body may be absent or {}: every member has a default.'),
  additionalProperties: false,
  properties: {
    gracePeriodSeconds: {
      type: 'integer',
      minimum: 0,
      maximum: GRACE_PERIOD_SECONDS.max,
      default: GRACE_PERIOD_SECONDS.default,
      description:
        'How long the rotated key keeps working, in seconds (at most 30 days): its expiresAt becomes the earlier of its own ' +
        'and now + this. 0 revokes it at once.',
    },
    name: nameSchema(`The new key's name; absent: the rotated key's. ${NAME_RULES_TEXT}`),
  },
});

const updateKeyRequestSchema = (family: KeyFamily): JsonSchema =>
  deepFreeze({
    type: 'object',
    description: bodyDescription(' At least one member; a member absent is left as it is.'),
    additionalProperties: false,
    minProperties: 1,
    properties: {
      name: nameSchema(NAME_RULES_TEXT),
      scopes: {
        ...scopeList(family),
        description: `The key's new scopes. ${escalationText(family)} The calling key can neither grant nor remove a scope it does not hold.`,
      },
      expiresAt: timestamp('RFC 3339 with a time zone, in the future; null: never expires.', true),
      allowedIps: allowedIpsSchema(`${REQUEST_ALLOWLIST_TEXT} null: any address.`),
      rateLimits: rateLimitsSchema(`${REQUEST_RATE_LIMITS_TEXT} null: the policy's again. ${LIMITS_ESCALATION_TEXT}`),
      quota: quotaSchema(`${REQUEST_QUOTA_TEXT} null: the policy's again. ${LIMITS_ESCALATION_TEXT}`),
    },
  });

export const UPDATE_KEY_REQUEST_SCHEMAS: Readonly<Record<KeyFamily, JsonSchema>> = Object.freeze({
  org: updateKeyRequestSchema('org'),
  partner: updateKeyRequestSchema('partner'),
});

function familySchemas(family: KeyFamily): Record<string, JsonSchema> {
  const { prefix, headerName } = FAMILIES[family];
  const owner = OWNER_FIELD[family];
  const plainKey: JsonSchema = {
    type: 'string',
    pattern: `^${prefix}[0-9a-f]{${RANDOM_HEX_LENGTH}}$`,
    description: 'The key itself. Shown in this response only: the service keeps its SHA-256, nothing else.',
  };
  const apiKey: JsonSchema = {
    type: 'object',
    description: `An API key of the ${FAMILY_NAME[family].toLowerCase()} family (sent in ${headerName}). Never holds the key itself or its hash.`,
    additionalProperties: false,
    required: [
      'id',
      owner,
      'createdByUserId',
      'name',
      'keyPrefix',
      'scopes',
      'status',
      'expiresAt',
      'lastUsedAt',
      'createdAt',
      'allowedIps',
      'rateLimits',
      'quota',
    ],
    properties: {
      id: { type: 'string', format: 'uuid' },
      [owner]: ownerIdSchema,
      createdByUserId: {
        type: ['string', 'null'],
        description: 'Who created the key: key_<id> of the creating key (API), or cli / the --created-by value (CLI).',
      },
      name: { type: 'string', minLength: 1, maxLength: MAX_NAME_LENGTH },
      keyPrefix: {
        type: 'string',
        pattern: `^${prefix}[0-9a-f]{${VISIBLE_RANDOM_CHARS}}$`,
        description: `The family prefix and the first ${VISIBLE_RANDOM_CHARS} characters of the random part: a public label, not a secret.`,
      },
      scopes: scopeList(family),
      status: { enum: ['active', 'revoked'] },
      expiresAt: timestamp('When the key stops working; null: never.', true),
      lastUsedAt: timestamp('Last successful authentication, recorded in batches (may lag by a few seconds).', true),
      createdAt: timestamp('When the key was created.'),
      allowedIps: allowedIpsSchema('The addresses and CIDRs the key may be used from, normalized; null: any address.'),
      rateLimits: rateLimitsSchema("The key's own windows, shortest first; null: the policy's defaults.rateLimit."),
      quota: quotaSchema("The key's own calendar quota; null: the policy's defaults.quota."),
    },
  };
  return {
    [familySchema(family, 'ApiKey')]: apiKey,
    [familySchema(family, 'ApiKeyList')]: {
      type: 'object',
      additionalProperties: false,
      required: ['apiKeys'],
      properties: {
        apiKeys: { type: 'array', items: ref(familySchema(family, 'ApiKey')), description: 'Oldest first, revoked keys included.' },
      },
    },
    [familySchema(family, 'ApiKeyCreated')]: {
      type: 'object',
      additionalProperties: false,
      required: ['apiKey', 'plainKey'],
      properties: { apiKey: ref(familySchema(family, 'ApiKey')), plainKey },
    },
    [familySchema(family, 'ApiKeyRotated')]: {
      type: 'object',
      additionalProperties: false,
      required: ['apiKey', 'plainKey', 'previousKey'],
      properties: {
        apiKey: {
          ...ref(familySchema(family, 'ApiKey')),
          description: "The new key: the rotated one's owner, scopes, expiry, allowlist and limits.",
        },
        plainKey,
        previousKey: {
          ...ref(familySchema(family, 'ApiKey')),
          description: 'The rotated key, as it now is: expiring at the end of the grace period, or revoked.',
        },
      },
    },
    [familySchema(family, 'ApiKeyUpdated')]: {
      type: 'object',
      additionalProperties: false,
      required: ['apiKey'],
      properties: { apiKey: ref(familySchema(family, 'ApiKey')) },
    },
    [familySchema(family, 'ApiKeyCreateRequest')]: CREATE_KEY_REQUEST_SCHEMAS[family],
    [familySchema(family, 'ApiKeyUpdateRequest')]: UPDATE_KEY_REQUEST_SCHEMAS[family],
  };
}

const scopeSchema: JsonSchema = { enum: [...SCOPES] };

/** RFC 9457 problem details, with the project's stable `code` and the extension members the admin sends. */
const problem: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['type', 'title', 'status', 'detail', 'code'],
  properties: {
    type: { const: 'about:blank' },
    title: { type: 'string' },
    status: { type: 'integer', minimum: 400, maximum: 599 },
    detail: { type: 'string', description: 'Human-readable; never a stack trace.' },
    code: { enum: Object.keys(ERROR_CODES), description: 'Stable and machine-readable: branch on this.' },
    requestId: { type: 'string', description: 'The X-Request-Id of the response.' },
    requiredScope: { ...scopeSchema, description: 'insufficient_scope: the scope the endpoint needs.' },
    missingScopes: { type: 'array', items: scopeSchema, description: 'scope_escalation: requested scopes the caller lacks.' },
    maxBytes: { type: 'integer', description: 'payload_too_large: the body limit.' },
  },
};

export const COMPONENT_SCHEMAS: Readonly<Record<string, JsonSchema>> = {
  ...familySchemas('org'),
  ...familySchemas('partner'),
  [ROTATE_REQUEST_SCHEMA_NAME]: ROTATE_KEY_REQUEST_SCHEMA,
  Problem: problem,
  OpenApiDocument: {
    type: 'object',
    required: ['openapi', 'info', 'paths'],
    properties: { openapi: { type: 'string', pattern: '^3\\.1\\.' }, info: { type: 'object' }, paths: { type: 'object' } },
    description: 'This document.',
  },
};
