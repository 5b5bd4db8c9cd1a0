// The admin API's OpenAPI 3.1 document, built from the route list: paths,
// methods, path parameters and security (family header + scope) come from
// the routes; each route's error responses are the codes of the request
// pipeline steps it goes through (mirroring admin/server.ts) plus those its
// handler names, grouped by the status core/errors.ts gives them. The admin
// tests validate every response they get against this document.
import { ERROR_CODES, type PublicErrorCode as ErrorCode } from '../../core/errors.js';
import { FAMILIES, RANDOM_HEX_LENGTH, type KeyFamily } from '../../core/keys.js';
import { parsePattern } from '../../core/route-table.js';
import { SCOPES } from '../../core/scopes.js';
import { VERSION } from '../../core/version.js';
import type { AdminRoute } from '../routes.js';
import type { OperationDoc } from './operations.js';
import { USAGE_COMPONENT_SCHEMAS } from './usage-schemas.js';
import { COMPONENT_SCHEMAS, FAMILY_NAME, ownerIdSchema, ref, type JsonSchema } from './schemas.js';

export type OpenApiDocument = Record<string, unknown> & { paths: Record<string, Record<string, Record<string, unknown>>> };

/** Answered for any request, by Node's parser or before routing. */
const ANY_REQUEST: readonly ErrorCode[] = [
  'invalid_request_target',
  'malformed_request',
  'request_timeout',
  'headers_too_large',
  'internal',
];
/** Credential, key and access checks (core/authenticate-caller.ts, core/auth.ts), for key routes. */
const KEY_CHECKS: readonly ErrorCode[] = [
  'ambiguous_credentials',
  'missing_key',
  'malformed_key',
  'invalid_key',
  'key_revoked',
  'key_expired',
  'too_many_failed_authentications',
  'ip_not_allowed',
  'insufficient_scope',
];
/** The {organization_id} check and the tenant check, for organization routes. */
const ORGANIZATION_CHECKS: readonly ErrorCode[] = ['invalid_parameter', 'wrong_organization'];
/** The database failing under the service (admin/server.ts), for key routes: every one reads the store. */
const STORE_CHECKS: readonly ErrorCode[] = ['store_unavailable'];
/** Reading a JSON body (admin/http/body.ts). */
const BODY_CHECKS: readonly ErrorCode[] = ['payload_too_large', 'unsupported_media_type', 'invalid_json', 'invalid_body'];

export function errorCodesOf(route: AdminRoute): ErrorCode[] {
  const codes = [...ANY_REQUEST, ...route.doc.handlerErrors];
  if (route.kind === 'key') {
    codes.push(...KEY_CHECKS, ...STORE_CHECKS);
    if (route.pattern.includes('{organization_id}')) codes.push(...ORGANIZATION_CHECKS);
    if (route.readsBody) codes.push(...BODY_CHECKS);
  }
  return [...new Set(codes)];
}

const SECURITY_SCHEME: Readonly<Record<KeyFamily, string>> = { org: 'OrganizationKey', partner: 'PartnerKey' };

const PATH_PARAMETERS: Readonly<Record<string, { description: string; schema: JsonSchema }>> = {
  organization_id: { description: 'The organization; a key may act on its own organization only.', schema: ownerIdSchema },
  keyId: { description: "The key's id (a UUID, any case). Anything else is 404, like an unknown id.", schema: { type: 'string' } },
};

function parameters(route: AdminRoute): JsonSchema[] {
  const { pattern } = route;
  const parsed = parsePattern(pattern);
  if (!parsed.ok) throw new Error(parsed.problem);
  const fromPath = parsed.paramNames.map((name) => {
    const spec = PATH_PARAMETERS[name];
    if (!spec) throw new Error(`the OpenAPI document does not describe the path parameter {${name}} of ${pattern}`);
    return { name, in: 'path', required: true, ...spec };
  });
  const fromQuery = (route.doc.queryParameters ?? []).map((spec) => ({ in: 'query', required: false, ...spec }));
  return [...fromPath, ...fromQuery, { $ref: '#/components/parameters/RequestId' }];
}

const REQUEST_ID_HEADER = { 'X-Request-Id': { $ref: '#/components/headers/RequestId' } };
/** On 503 store_unavailable (admin/server.ts) and 429 too_many_failed_authentications. */
const RETRY_AFTER_HEADER = { 'Retry-After': { description: 'Seconds to wait before retrying.', schema: { type: 'string' } } };

function errorResponses(codes: readonly ErrorCode[]): Record<string, JsonSchema> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) byStatus.set(ERROR_CODES[code][0], [...(byStatus.get(ERROR_CODES[code][0]) ?? []), code]);
  const responses: Record<string, JsonSchema> = {};
  for (const [status, group] of [...byStatus].sort(([a], [b]) => a - b)) {
    responses[String(status)] = {
      description: `${ERROR_CODES[group[0] as ErrorCode][1]}: ${group.join(', ')}.`,
      headers: status === 503 || status === 429 ? { ...REQUEST_ID_HEADER, ...RETRY_AFTER_HEADER } : REQUEST_ID_HEADER,
      content: {
        'application/problem+json': {
          schema: {
            allOf: [ref('Problem'), { type: 'object', properties: { status: { const: status }, code: { enum: group } } }],
          },
        },
      },
    };
  }
  return responses;
}

function operation(route: AdminRoute): JsonSchema {
  const doc: OperationDoc = route.doc;
  const { success } = doc;
  return {
    operationId: doc.operationId,
    summary: doc.summary,
    description: route.kind === 'key' ? `${doc.description}\n\nNeeds the \`${route.scope}\` scope.` : doc.description,
    tags: [doc.tag],
    security: route.kind === 'key' ? [{ [SECURITY_SCHEME[route.family]]: [route.scope] }] : [],
    parameters: parameters(route),
    ...(doc.requestSchema
      ? { requestBody: { required: !doc.requestOptional, content: { 'application/json': { schema: ref(doc.requestSchema) } } } }
      : {}),
    responses: {
      [String(success.status)]: {
        description: success.description,
        headers: REQUEST_ID_HEADER,
        ...(success.schema ? { content: { 'application/json': { schema: ref(success.schema) } } } : {}),
      },
      ...errorResponses(errorCodesOf(route)),
    },
  };
}

const securityScheme = (family: KeyFamily): JsonSchema => ({
  type: 'apiKey',
  in: 'header',
  name: FAMILIES[family].headerName,
  description:
    `${FAMILY_NAME[family]} keys: ${FAMILIES[family].prefix} followed by ${RANDOM_HEX_LENGTH} lowercase hex characters. ` +
    `Send exactly one key header, once. Scopes: ${SCOPES.join(', ')}; admin implies read and write.`,
});

const DESCRIPTION = `Manage the API keys of organizations (X-API-Key) and partners (X-Partner-API-Key).

Every error is an RFC 9457 problem document (application/problem+json) with a stable \`code\`.
Besides the answers listed per operation: any other path is 404 \`route_not_found\`, and a listed path
with another method is 405 \`method_not_allowed\` with an Allow header.`;

export function buildOpenApiDocument(routes: readonly AdminRoute[]): OpenApiDocument {
  const paths: OpenApiDocument['paths'] = {};
  for (const route of routes) (paths[route.pattern] ??= {})[route.method.toLowerCase()] = operation(route);
  return {
    openapi: '3.1.0',
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    info: { title: 'Bullseye Gateway admin API', version: VERSION, description: DESCRIPTION },
    tags: [...new Set(routes.map((route) => route.doc.tag))].map((name) => ({ name })),
    paths,
    components: {
      schemas: { ...COMPONENT_SCHEMAS, ...USAGE_COMPONENT_SCHEMAS },
      securitySchemes: { [SECURITY_SCHEME.org]: securityScheme('org'), [SECURITY_SCHEME.partner]: securityScheme('partner') },
      parameters: {
        RequestId: {
          name: 'X-Request-Id',
          in: 'header',
          required: false,
          description: 'Kept when it is 1 to 128 of [A-Za-z0-9._:-]; otherwise a UUID is generated.',
          schema: { type: 'string' },
        },
      },
      headers: {
        RequestId: { description: 'The request id (also in problem documents as requestId).', schema: { type: 'string' } },
      },
    },
  };
}
