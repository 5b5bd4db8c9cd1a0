// Check a real response against the admin's OpenAPI document: the route and
// status must be documented, the content type must be one the document gives
// for that status, and the body must validate against its JSON Schema
// (ajv, draft 2020-12 as OpenAPI 3.1 uses, with formats). One assertion per
// response, with every problem found in its diagnostics.
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { buildOpenApiDocument } from '../../admin/openapi/document.js';
import { ADMIN_ROUTES } from '../../admin/routes.js';
import type { CallResult } from './http.js';
import type { RawResponse } from './raw-http.js';

interface Assert {
  ok(value: unknown, message: string, extra: { problems: string[] }): unknown;
}

const SPEC_ID = 'bullseye-admin-openapi.json';
const document = buildOpenApiDocument(ADMIN_ROUTES);

/** The strict validator over the document; its OpenAPI members are known keywords that validate nothing. */
export function createSpecAjv(): Ajv2020 {
  const ajv = new Ajv2020({ strict: true, allErrors: true, allowUnionTypes: true });
  addFormats.default(ajv); // the CommonJS plugin, as ESM sees it
  ajv.addVocabulary(['openapi', 'jsonSchemaDialect', 'info', 'tags', 'paths', 'components', 'servers', 'security', 'webhooks']);
  ajv.addSchema(document, SPEC_ID);
  return ajv;
}

const ajv = createSpecAjv();
const validators = new Map<string, ValidateFunction>();

/** A JSON pointer into the document, as a $ref that ajv resolves. */
export const specRef = (...tokens: string[]): string =>
  `${SPEC_ID}#/${tokens.map((token) => encodeURIComponent(token.replaceAll('~', '~0').replaceAll('/', '~1'))).join('/')}`;

/** The documented path template that `path` (concrete or itself a template) falls under. */
export function documentedPath(path: string): string | undefined {
  const segments = path.split('/');
  const matches = Object.keys(document.paths).filter((template) => {
    const parts = template.split('/');
    return (
      parts.length === segments.length && parts.every((part, i) => part === segments[i] || (part.startsWith('{') && segments[i] !== ''))
    );
  });
  return matches.length === 1 ? matches[0] : undefined;
}

const mediaTypeOf = (value: string | string[] | undefined): string | undefined =>
  typeof value === 'string' ? value.split(';')[0]?.trim().toLowerCase() : undefined;

/**
 * Assert that `res` is an answer the document allows for `route`
 * ("METHOD /path", the path concrete or a template).
 */
export function expectMatchesSpec(t: Assert, route: string, res: CallResult | RawResponse): void {
  const problems = specProblems(route, res);
  t.ok(problems.length === 0, `${route} → ${res.status} matches the OpenAPI document`, { problems });
}

/**
 * Assert that `res` is a problem document as the document's Problem schema
 * describes, for answers no operation lists (404 route_not_found, 405).
 */
export function expectProblemDocument(t: Assert, res: CallResult | RawResponse): void {
  const problems: string[] = [];
  if (mediaTypeOf(res.headers['content-type']) !== 'application/problem+json') problems.push('not application/problem+json');
  let validate = validators.get('Problem');
  if (!validate) validators.set('Problem', (validate = ajv.compile({ $ref: specRef('components', 'schemas', 'Problem') })));
  try {
    if (!validate(JSON.parse('text' in res ? res.text : res.body))) problems.push(ajv.errorsText(validate.errors));
  } catch {
    problems.push('the body is not JSON');
  }
  t.ok(problems.length === 0, `${res.status} is a problem document as the OpenAPI document describes`, { problems });
}

export function specProblems(route: string, res: CallResult | RawResponse): string[] {
  const [method = '', path = ''] = route.split(' ');
  const template = documentedPath(path);
  const operation = template === undefined ? undefined : document.paths[template]?.[method.toLowerCase()];
  if (!template || !operation) return [`${route} is not in the document`];
  const responses = operation.responses as Record<string, { content?: Record<string, unknown> }>;
  const response = responses[String(res.status)];
  if (!response)
    return [`status ${res.status} is not documented for ${method} ${template} (documented: ${Object.keys(responses).join(', ')})`];

  const text = 'text' in res ? res.text : res.body;
  const contentType = res.headers['content-type'];
  if (!response.content) {
    return [
      ...(text === '' ? [] : [`status ${res.status} has no body in the document, but one was sent`]),
      ...(contentType === undefined ? [] : [`a bodiless answer has a content-type (${String(contentType)})`]),
    ];
  }
  const mediaType = mediaTypeOf(contentType);
  if (mediaType === undefined || !(mediaType in response.content)) {
    return [`content-type ${String(contentType)} is not one of ${Object.keys(response.content).join(', ')}`];
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return [`the body is not JSON: ${text.slice(0, 200)}`];
  }
  const ref = specRef('paths', template, method.toLowerCase(), 'responses', String(res.status), 'content', mediaType, 'schema');
  let validate = validators.get(ref);
  if (!validate) validators.set(ref, (validate = ajv.compile({ $ref: ref })));
  if (validate(body)) return [];
  return (validate.errors ?? []).map((e) => `body${e.instancePath} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
}
