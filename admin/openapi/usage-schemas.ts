// The bodies of the usage and whoami endpoints (admin/key-usage.ts,
// admin/whoami.ts), strict like every schema of the document. The outcome
// names come from core/key-activity.ts, the range limits from the code.
import { HOUR_MS, MAX_USAGE_RANGE_MS, USAGE_OUTCOMES, type UsageOutcome } from '../../core/key-activity.js';
import { DEFAULT_USAGE_RANGE_MS } from '../usage-query.js';
import { familySchema, ownerIdSchema, ref, type JsonSchema } from './schemas.js';

export const USAGE_SCHEMA_NAME = 'ApiKeyUsage';
export const WHOAMI_SCHEMA_NAME = { org: 'OrganizationWhoami', partner: 'PartnerWhoami' } as const;

const OUTCOME_TEXT: Readonly<Record<UsageOutcome, string>> = {
  success: 'Requests answered 2xx or 3xx (or a 101 upgrade).',
  rateLimited: "Requests the gateway refused with 429 (the key's rate limit or quota).",
  clientErrors: "Other 4xx answers, the gateway's or the upstream's.",
  serverErrors: '5xx answers.',
};

const count = (description: string): JsonSchema => ({ type: 'integer', minimum: 0, description });

const usage: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['usage'],
  properties: {
    usage: {
      type: 'array',
      description: 'One entry per UTC hour with traffic, oldest first; hours without traffic are left out.',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['start', ...USAGE_OUTCOMES],
        properties: {
          start: { type: 'string', format: 'date-time', description: "The hour's start (UTC, on the hour)." },
          ...Object.fromEntries(USAGE_OUTCOMES.map((outcome) => [outcome, count(OUTCOME_TEXT[outcome])])),
        },
      },
    },
  },
};

const whoami = (family: 'org' | 'partner'): JsonSchema => ({
  type: 'object',
  additionalProperties: false,
  required: ['apiKey', family === 'org' ? 'organization' : 'partner'],
  properties: {
    apiKey: { ...ref(familySchema(family, 'ApiKey')), description: 'The calling key.' },
    ...(family === 'org'
      ? {
          organization: {
            type: 'object',
            additionalProperties: false,
            required: ['id', 'agency'],
            properties: {
              id: ownerIdSchema,
              agency: { type: 'boolean', description: "Whether agency scopes apply to the organization's keys." },
            },
          },
        }
      : {
          partner: { type: 'object', additionalProperties: false, required: ['id'], properties: { id: ownerIdSchema } },
        }),
  },
});

export const USAGE_COMPONENT_SCHEMAS: Readonly<Record<string, JsonSchema>> = {
  [USAGE_SCHEMA_NAME]: usage,
  [WHOAMI_SCHEMA_NAME.org]: whoami('org'),
  [WHOAMI_SCHEMA_NAME.partner]: whoami('partner'),
};

/** The usage query's parameters, as the document lists them. */
export const USAGE_QUERY_PARAMETERS: readonly { name: string; description: string; schema: JsonSchema }[] = [
  {
    name: 'from',
    description:
      `RFC 3339 date-time with a time zone (Z or an offset); the hour it falls in is the first returned. ` +
      `Default: ${DEFAULT_USAGE_RANGE_MS / HOUR_MS} hours before to. Must be before to, at most ${MAX_USAGE_RANGE_MS / (24 * HOUR_MS)} days before it.`,
    schema: { type: 'string', format: 'date-time' },
  },
  {
    name: 'to',
    description: 'RFC 3339 date-time with a time zone; hours starting at or after it are not returned. Default: now.',
    schema: { type: 'string', format: 'date-time' },
  },
];
