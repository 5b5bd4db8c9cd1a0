// The JSON Schemas (2020-12, as OpenAPI 3.1 uses) of the admin API's bodies.
// Every rule the code owns is read from the code: scope names, key formats,
// owner ids, name length, default scopes, error codes. Schemas are strict
// (no unknown members), so a response that leaks anything fails the tests.
import { ERROR_CODES } from '../../core/errors.js';
import { FAMILIES, RANDOM_HEX_LENGTH, VISIBLE_RANDOM_CHARS, type KeyFamily } from '../../core/keys.js';
import { BASE_SCOPES, SCOPES } from '../../core/scopes.js';
import { ADMIN_BODY_LIMIT } from '../http/body.js';
import { DEFAULT_SCOPES, MAX_NAME_LENGTH, OWNER_ID_PATTERN } from '../validation.js';

export type JsonSchema = Record<string, unknown>;

export const ref = (schema: string): JsonSchema => ({ $ref: `#/components/schemas/${schema}` });

/** Component names per family: `OrganizationApiKey`, `PartnerApiKeyList`, ... */
export const FAMILY_NAME: Readonly<Record<KeyFamily, string>> = { org: 'Organization', partner: 'Partner' };

export type FamilySchema = 'ApiKey' | 'ApiKeyList' | 'ApiKeyCreated' | 'ApiKeyCreateRequest';
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

const deepFreeze = <T>(value: T): T => {
  if (typeof value === 'object' && value !== null) {
    for (const member of Object.values(value)) deepFreeze(member);
    Object.freeze(value);
  }
  return value;
};

const createKeyRequestSchema = (family: KeyFamily): JsonSchema =>
  deepFreeze({
    type: 'object',
    description: `A JSON object of at most ${ADMIN_BODY_LIMIT} bytes with these members only.`,
    additionalProperties: false,
    required: ['name'],
    properties: {
      name: {
        type: 'string',
        pattern: '\\S',
        maxLength: MAX_NAME_LENGTH,
        description:
          'Trimmed; not blank; no control characters, bidirectional controls (U+202A–U+202E, U+2066–U+2069), ' +
          'line or paragraph separators (U+2028, U+2029), zero-width characters (U+200B–U+200D, U+2060, U+FEFF) ' +
          'or lone surrogates.',
      },
      scopes: {
        ...scopeList(family),
        default: [...DEFAULT_SCOPES[family]],
        description:
          'Scopes the calling key holds itself (else 403 scope_escalation); admin implies read and write.' +
          (family === 'org' ? ' agency:read and agency:write only for agency organizations.' : ''),
      },
      expiresAt: timestamp('RFC 3339 with a time zone, in the future; null or absent: never expires.', true),
    },
  });

/**
 * The create-key request bodies, one per family. The document publishes these
 * very objects and admin/create-key-body.ts compiles them: the one statement
 * of the body's rules. Frozen, so neither can change what the other reads.
 */
export const CREATE_KEY_REQUEST_SCHEMAS: Readonly<Record<KeyFamily, JsonSchema>> = Object.freeze({
  org: createKeyRequestSchema('org'),
  partner: createKeyRequestSchema('partner'),
});

function familySchemas(family: KeyFamily): Record<string, JsonSchema> {
  const { prefix, headerName } = FAMILIES[family];
  const owner = OWNER_FIELD[family];
  const apiKey: JsonSchema = {
    type: 'object',
    description: `An API key of the ${FAMILY_NAME[family].toLowerCase()} family (sent in ${headerName}). Never holds the key itself or its hash.`,
    additionalProperties: false,
    required: ['id', owner, 'createdByUserId', 'name', 'keyPrefix', 'scopes', 'status', 'expiresAt', 'lastUsedAt', 'createdAt'],
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
      properties: {
        apiKey: ref(familySchema(family, 'ApiKey')),
        plainKey: {
          type: 'string',
          pattern: `^${prefix}[0-9a-f]{${RANDOM_HEX_LENGTH}}$`,
          description: 'The key itself. Shown in this response only: the service keeps its SHA-256, nothing else.',
        },
      },
    },
    [familySchema(family, 'ApiKeyCreateRequest')]: CREATE_KEY_REQUEST_SCHEMAS[family],
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
  Problem: problem,
  OpenApiDocument: {
    type: 'object',
    required: ['openapi', 'info', 'paths'],
    properties: { openapi: { type: 'string', pattern: '^3\\.1\\.' }, info: { type: 'object' }, paths: { type: 'object' } },
    description: 'This document.',
  },
};
