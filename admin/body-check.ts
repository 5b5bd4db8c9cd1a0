// The one way the admin validates a JSON request body: ajv compiles the JSON
// Schema the OpenAPI document publishes (admin/openapi/schemas.ts), and each
// body names, per member, how its schema errors are worded and what code
// checks beyond the schema (admin/body-members.ts). The create, rotate and
// update bodies (admin/*-key-body.ts) differ only in their schemas and rules.
//
// One problem is answered, the first in this order: the body is an object,
// no unknown members, required members present, not empty when the schema
// says so, then each member in the schema's order, its schema rules before
// its code rules. ajv runs with allErrors so that the order is this one, not
// ajv's keyword order; the body limit and string-typed list items (a linear
// uniqueItems) bound it. Names are trimmed before the schema sees them.
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import type { KeyFamily } from '../core/keys.js';
import type { JsonSchema } from './openapi/schemas.js';
import { parseRfc3339 } from './validation.js';

export type Members = Record<string, unknown>;

/** What a member's schema errors say (in the order ajv found them), and the rules code keeps for it. */
export interface MemberRules {
  problem(errors: readonly ErrorObject[], value: unknown, family: KeyFamily): string | undefined;
  codeProblem?(value: unknown, nowMs: number): string | undefined;
}

export interface BodyCheck {
  /** The problems of `body` (its name already trimmed), one per wrong member, or undefined when it is acceptable. */
  (body: unknown, family: KeyFamily, nowMs: number): string | undefined;
  /** The schema objects it was compiled from, by family. */
  readonly schemas: Readonly<Record<KeyFamily, unknown>>;
}

/** ajv's own words, for a rule the schema has and no member rule words. */
const ajvProblem = (error: ErrorObject): string =>
  `${error.instancePath.slice(1).replaceAll('/', '.') || 'the body'} ${error.message ?? 'is invalid'}`;

function rootProblem(errors: readonly ErrorObject[], allowed: readonly string[]): string | undefined {
  if (errors.some((error) => error.keyword === 'type')) return 'the body must be a JSON object';
  const unknown = errors
    .filter((error) => error.keyword === 'additionalProperties')
    .map((error) => String(error.params.additionalProperty));
  if (unknown.length > 0) {
    const shown = unknown.slice(0, 5).map((field) => JSON.stringify(field.slice(0, 40)));
    return `unknown field${unknown.length > 1 ? 's' : ''} ${shown.join(', ')}; allowed: ${allowed.join(', ')}`;
  }
  const missing = errors.find((error) => error.keyword === 'required');
  if (missing) return `${String(missing.params.missingProperty)} is required`;
  if (errors.some((error) => error.keyword === 'minProperties')) return `nothing to update: send at least one of ${allowed.join(', ')}`;
  return errors[0] && ajvProblem(errors[0]);
}

/** The JSON Schema trims nothing: the name is trimmed first, as the schemas' descriptions say. */
export function withTrimmedName(body: unknown): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return body;
  const { name } = body as Members;
  return typeof name === 'string' ? { ...body, name: name.trim() } : body;
}

/** Compile a body check once (a server does, at creation) from published schemas and the body's member rules. */
export function compileBodyCheck(
  schemas: Readonly<Record<KeyFamily, JsonSchema>>,
  rules: Readonly<Record<string, MemberRules>>,
): BodyCheck {
  // validateSchema: false spares every server start compiling the 2020-12
  // meta-schema; the document's tests compile these schemas under strict ajv
  // with meta-validation. strict still refuses unknown keywords and formats.
  const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true, validateSchema: false });
  // date-time is the API's RFC 3339 reading, the one that converts the value:
  // ajv-formats' would also take "2030-01-31 00:00:00Z" and "+0100" offsets
  // (which the API refuses) and refuse a :60 second outside 23:59 UTC.
  ajv.addFormat('date-time', { type: 'string', validate: (value: string) => parseRfc3339(value) !== undefined });
  const validators: Readonly<Record<KeyFamily, ValidateFunction>> = {
    org: ajv.compile(schemas.org),
    partner: ajv.compile(schemas.partner),
  };
  const members: Readonly<Record<KeyFamily, readonly string[]>> = {
    org: Object.keys(schemas.org.properties ?? {}),
    partner: Object.keys(schemas.partner.properties ?? {}),
  };

  const check = (input: unknown, family: KeyFamily, nowMs: number): string | undefined => {
    const validate = validators[family];
    const errors: readonly ErrorObject[] = validate(input) ? [] : (validate.errors ?? []);
    const atRoot = errors.filter((error) => error.instancePath === '');
    if (atRoot.length > 0) return rootProblem(atRoot, members[family]);
    // Every member's problem, in schema order: a body with several wrong members is fixed in one go.
    const problems: string[] = [];
    for (const member of members[family]) {
      const value = (input as Members)[member];
      const path = `/${member}`;
      const own = errors.filter((error) => error.instancePath === path || error.instancePath.startsWith(`${path}/`));
      const memberRules = Object.hasOwn(rules, member) ? rules[member] : undefined;
      const found =
        own.length > 0
          ? (memberRules?.problem(own, value, family) ?? ajvProblem(own[0] as ErrorObject))
          : value === undefined
            ? undefined
            : memberRules?.codeProblem?.(value, nowMs);
      if (found !== undefined) problems.push(found);
    }
    if (problems.length > 0) return problems.join('; ');
    return errors[0] && ajvProblem(errors[0]);
  };
  return Object.assign(check, { schemas: { org: validators.org.schema, partner: validators.partner.schema } });
}
