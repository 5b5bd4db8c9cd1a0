// What the OpenAPI document says about each admin route, kept next to the
// route (admin/routes.ts attaches one of these to every route, so no route
// can be served undocumented). Only what the route table cannot tell:
// names, prose, the success body, and the errors the handler itself raises.
// Errors of the shared request pipeline are added by document.ts.
import type { PublicErrorCode as ErrorCode } from '../../core/errors.js';
import type { KeyFamily } from '../../core/keys.js';
import { familySchema, FAMILY_NAME, ROTATE_REQUEST_SCHEMA_NAME, type JsonSchema } from './schemas.js';
import { USAGE_QUERY_PARAMETERS, USAGE_SCHEMA_NAME, WHOAMI_SCHEMA_NAME } from './usage-schemas.js';

/** A query parameter the handler reads (any other is 400 invalid_parameter). */
export interface QueryParameterDoc {
  readonly name: string;
  readonly description: string;
  readonly schema: JsonSchema;
}

export interface OperationDoc {
  readonly operationId: string;
  readonly summary: string;
  readonly description: string;
  readonly tag: string;
  /** Component schema of the JSON request body, when the route reads one. */
  readonly requestSchema?: string;
  /** The request body may be absent (its members' defaults apply). */
  readonly requestOptional?: boolean;
  /** The query parameters the handler reads, all optional; absent: the handler reads no query. */
  readonly queryParameters?: readonly QueryParameterDoc[];
  /** The one success answer; no `schema`: no body. */
  readonly success: { readonly status: number; readonly description: string; readonly schema?: string };
  /** Error codes the handler answers with, beyond those of the request pipeline. */
  readonly handlerErrors: readonly ErrorCode[];
}

const TAG: Readonly<Record<KeyFamily, string>> = { org: 'Organization API keys', partner: 'Partner API keys' };
const whose = (family: KeyFamily): string => (family === 'org' ? "the organization's" : "the calling partner's");

export const listKeysDoc = (family: KeyFamily): OperationDoc => ({
  operationId: `list${FAMILY_NAME[family]}ApiKeys`,
  summary: `List ${whose(family)} API keys`,
  description: 'Every key of the owner, revoked ones included, oldest first. Never a plain key or a hash.',
  tag: TAG[family],
  success: { status: 200, description: 'The keys.', schema: familySchema(family, 'ApiKeyList') },
  handlerErrors: [],
});

export const createKeyDoc = (family: KeyFamily): OperationDoc => ({
  operationId: `create${FAMILY_NAME[family]}ApiKey`,
  summary: `Create an API key for ${family === 'org' ? 'the organization' : 'the calling partner'}`,
  description:
    'The plain key is in this response and nowhere else (only its SHA-256 is stored). ' +
    'A key can only grant scopes it holds itself. The creation is recorded in the audit log.',
  tag: TAG[family],
  requestSchema: familySchema(family, 'ApiKeyCreateRequest'),
  success: { status: 201, description: 'The new key, with its plain key (shown once).', schema: familySchema(family, 'ApiKeyCreated') },
  handlerErrors: ['invalid_body', 'scope_escalation'],
});

export const revokeKeyDoc = (family: KeyFamily): OperationDoc => ({
  operationId: `revoke${FAMILY_NAME[family]}ApiKey`,
  summary: `Revoke one of ${whose(family)} API keys`,
  description:
    'Immediate and permanent: the next request with the key is 401 key_revoked. Revoking a revoked key is 204 again ' +
    "and changes nothing. An unknown id, a malformed one and another owner's key are all 404 alike. " +
    'The revocation (not a repeated one) is recorded in the audit log.',
  tag: TAG[family],
  success: { status: 204, description: 'Revoked (or already revoked). No body.' },
  handlerErrors: ['not_found'],
});

export const rotateKeyDoc = (family: KeyFamily): OperationDoc => ({
  operationId: `rotate${FAMILY_NAME[family]}ApiKey`,
  summary: `Rotate one of ${whose(family)} API keys`,
  description:
    "Issues a new key with the rotated key's owner, scopes, expiry, allowlist and limits (and its name, unless given), and " +
    "shortens the rotated key's life to the grace period: its expiresAt becomes the earlier of its own and now + " +
    'gracePeriodSeconds; 0 revokes it at once. Both happen in one transaction. The plain key is in this response and ' +
    'nowhere else. A key may rotate itself and keeps working until the grace ends. Rotating a revoked or expired key ' +
    "is 409 key_inactive; an unknown id, a malformed one and another owner's key are all 404 alike. The calling key " +
    'must hold every scope of the key it rotates (else 403 scope_escalation). Recorded in the audit log (key.rotated).',
  tag: TAG[family],
  requestSchema: ROTATE_REQUEST_SCHEMA_NAME,
  requestOptional: true,
  success: {
    status: 201,
    description: 'The new key with its plain key (shown once), and the rotated key as it now is.',
    schema: familySchema(family, 'ApiKeyRotated'),
  },
  handlerErrors: ['invalid_body', 'scope_escalation', 'not_found', 'key_inactive'],
});

export const updateKeyDoc = (family: KeyFamily): OperationDoc => ({
  operationId: `update${FAMILY_NAME[family]}ApiKey`,
  summary: `Update one of ${whose(family)} API keys`,
  description:
    'Changes any of name, scopes, expiresAt, allowedIps, rateLimits and quota; members absent are left as they are, and ' +
    'at least one is needed. Other members (id, status, keyPrefix, the owner) are refused. The calling key can neither ' +
    'grant nor remove a scope it does not hold, nor set rateLimits or quota on a key holding a scope it does not hold ' +
    '(403 scope_escalation). A revoked key cannot be updated (409 key_inactive); an unknown id, a ' +
    "malformed one and another owner's key are all 404 alike. Only fields whose value changes are written, and recorded " +
    'in the audit log (key.updated, naming them).',
  tag: TAG[family],
  requestSchema: familySchema(family, 'ApiKeyUpdateRequest'),
  success: { status: 200, description: 'The key as it now is.', schema: familySchema(family, 'ApiKeyUpdated') },
  handlerErrors: ['invalid_body', 'scope_escalation', 'not_found', 'key_inactive'],
});

export const keyUsageDoc = (family: KeyFamily): OperationDoc => ({
  operationId: `get${FAMILY_NAME[family]}ApiKeyUsage`,
  summary: `Hourly usage of one of ${whose(family)} API keys`,
  description:
    "How the gateways answered the key's requests, per UTC hour: success (2xx/3xx), rateLimited (the gateway's 429), " +
    'clientErrors (other 4xx) and serverErrors (5xx), added together across gateways. Counts reach the store with the ' +
    'last-used batches, so the current hour may lag by a few seconds; hours older than the retention (usage.retention, ' +
    'default 90 days) are pruned. Hours without traffic are left out. A query parameter other than from and to, one ' +
    'given twice, a time that is not RFC 3339 with a zone, from not before to, or a range over 31 days is 400 ' +
    "invalid_parameter. An unknown id, a malformed one and another owner's key are all 404 alike.",
  tag: TAG[family],
  queryParameters: USAGE_QUERY_PARAMETERS,
  success: { status: 200, description: 'The hours with traffic, oldest first.', schema: USAGE_SCHEMA_NAME },
  handlerErrors: ['invalid_parameter', 'not_found'],
});

export const whoamiDoc = (family: KeyFamily): OperationDoc => ({
  operationId: `get${FAMILY_NAME[family]}Whoami`,
  summary: `The calling ${family === 'org' ? 'organization' : 'partner'} key and its owner`,
  description:
    'The key sending the request, as the key endpoints show it, and ' +
    (family === 'org' ? 'its organization, with whether agency scopes apply to it.' : 'its partner.') +
    ' No owner in the path: the answer is always about the caller.',
  tag: TAG[family],
  success: { status: 200, description: 'The calling key and its owner.', schema: WHOAMI_SCHEMA_NAME[family] },
  handlerErrors: [],
});

export const openApiDoc: OperationDoc = {
  operationId: 'getOpenApiDocument',
  summary: 'This OpenAPI document',
  description: 'Public: no key needed.',
  tag: 'Meta',
  success: { status: 200, description: 'The OpenAPI 3.1 document of the admin API.', schema: 'OpenApiDocument' },
  handlerErrors: [],
};
