// The POST api-keys body, validated by ajv from the JSON Schema the OpenAPI
// document publishes (CREATE_KEY_REQUEST_SCHEMAS): the body's shape, its
// members, types, lengths, scope names, duplicates and date-time format are
// stated there once. Code keeps what a schema cannot say: the name is trimmed
// before the schema sees it, its characters are checked (NAME_RULES), and
// expiresAt must be in the future. Agency scopes of an organization that is
// not an agency, and scope escalation, need the store and the caller: they
// are the handler's (admin/key-handlers.ts).
//
// One problem is answered, the first in this order: the body is an object,
// no unknown members, name present, then name, scopes, expiresAt (the
// schema's order), each with its schema rules before its code rules. ajv runs
// with allErrors so that the order is this one, not ajv's keyword order; the
// body limit and string-typed scope items (a linear uniqueItems) bound it.
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import type { KeyFamily } from '../core/keys.js';
import { SCOPES, type Scope } from '../core/scopes.js';
import { CREATE_KEY_REQUEST_SCHEMAS, type JsonSchema } from './openapi/schemas.js';
import { checkScopes, DEFAULT_SCOPES, nameCharacterProblem, parseRfc3339, PROBLEMS, type Checked } from './validation.js';

export interface CreateKeyRequest {
  name: string;
  scopes: readonly Scope[];
  expiresAt: number | null;
}

export interface CreateKeyBodyCheck {
  (body: unknown, family: KeyFamily, nowMs: number): Checked<CreateKeyRequest>;
  /** The schema objects it was compiled from, by family. */
  readonly schemas: Readonly<Record<KeyFamily, unknown>>;
}

/** A body the schema accepted, its name trimmed. */
interface CreateKeyBody {
  name: string;
  scopes?: Scope[];
  expiresAt?: string | null;
}

type Members = Record<string, unknown>;

/** What a member's schema errors say (in the order ajv found them), and the rules code keeps for it. */
interface MemberRules {
  problem(errors: readonly ErrorObject[], value: unknown, family: KeyFamily): string | undefined;
  codeProblem?(value: unknown, nowMs: number): string | undefined;
}

const MEMBER_RULES: Readonly<Record<string, MemberRules>> = {
  name: {
    problem: ([error]) => {
      if (error?.keyword === 'type') return PROBLEMS.nameNotString;
      if (error?.keyword === 'pattern') return PROBLEMS.nameEmpty; // \S, after trimming
      if (error?.keyword === 'maxLength') return PROBLEMS.nameTooLong(Number(error.params.limit));
      return undefined;
    },
    codeProblem: (value) => (typeof value === 'string' ? nameCharacterProblem(value) : undefined),
  },
  // core/scopes.ts words a refused scope list for the CLI and the API alike
  // (which item it names first); here it only words what the schema refused.
  // For partner keys the schema's enum leaves out the agency scopes, which
  // checkScopes explains as such.
  scopes: { problem: (_errors, value, family) => problemOf(checkScopes(value, family)) },
  expiresAt: {
    problem: ([error]) => {
      if (error?.keyword === 'type') return PROBLEMS.expiresAtNotString;
      if (error?.keyword === 'format') return PROBLEMS.expiresAtNotRfc3339;
      return undefined;
    },
    codeProblem: (value, nowMs) => {
      const at = typeof value === 'string' ? parseRfc3339(value) : undefined;
      return at !== undefined && at <= nowMs ? PROBLEMS.expiresAtPast : undefined;
    },
  },
};

const problemOf = (checked: Checked<unknown>): string | undefined => (checked.ok ? undefined : checked.problem);

/** ajv's own words, for a rule the schema has and this file has no message for. */
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
  return errors[0] && ajvProblem(errors[0]);
}

/** The JSON Schema trims nothing: the name is trimmed first, as the schema's description says. */
function withTrimmedName(body: unknown): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return body;
  const { name } = body as Members;
  return typeof name === 'string' ? { ...body, name: name.trim() } : body;
}

/** Compile the create-key body check once (a server does, at creation) from the published schemas. */
export function compileCreateKeyBodyCheck(
  schemas: Readonly<Record<KeyFamily, JsonSchema>> = CREATE_KEY_REQUEST_SCHEMAS,
): CreateKeyBodyCheck {
  // validateSchema: false spares every server start compiling the 2020-12
  // meta-schema; the document's tests compile these schemas under strict ajv
  // with meta-validation. strict still refuses unknown keywords and formats.
  const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true, validateSchema: false });
  // date-time is the API's RFC 3339 reading, the one that converts the value:
  // ajv-formats' would also take "2030-01-31 00:00:00Z" and "+0100" offsets
  // (which the API refuses) and refuse a :60 second outside 23:59 UTC.
  ajv.addFormat('date-time', { type: 'string', validate: (value: string) => parseRfc3339(value) !== undefined });
  const validators: Readonly<Record<KeyFamily, ValidateFunction<CreateKeyBody>>> = {
    org: ajv.compile<CreateKeyBody>(schemas.org),
    partner: ajv.compile<CreateKeyBody>(schemas.partner),
  };
  const members: Readonly<Record<KeyFamily, readonly string[]>> = {
    org: Object.keys(schemas.org.properties ?? {}),
    partner: Object.keys(schemas.partner.properties ?? {}),
  };

  function problem(input: unknown, family: KeyFamily, nowMs: number): string | undefined {
    const validate = validators[family];
    const errors: readonly ErrorObject[] = validate(input) ? [] : (validate.errors ?? []);
    const atRoot = errors.filter((error) => error.instancePath === '');
    if (atRoot.length > 0) return rootProblem(atRoot, members[family]);
    for (const member of members[family]) {
      const value = (input as Members)[member];
      const path = `/${member}`;
      const own = errors.filter((error) => error.instancePath === path || error.instancePath.startsWith(`${path}/`));
      const rules = Object.hasOwn(MEMBER_RULES, member) ? MEMBER_RULES[member] : undefined;
      const found =
        own.length > 0 ? (rules?.problem(own, value, family) ?? ajvProblem(own[0] as ErrorObject)) : rules?.codeProblem?.(value, nowMs);
      if (found !== undefined) return found;
    }
    return errors[0] && ajvProblem(errors[0]);
  }

  const check = (body: unknown, family: KeyFamily, nowMs: number): Checked<CreateKeyRequest> => {
    const input = withTrimmedName(body);
    const refused = problem(input, family, nowMs);
    if (refused !== undefined) return { ok: false, problem: refused };
    const { name, scopes, expiresAt } = input as CreateKeyBody;
    return {
      ok: true,
      value: {
        name,
        scopes: scopes === undefined ? DEFAULT_SCOPES[family] : SCOPES.filter((scope) => scopes.includes(scope)),
        expiresAt: typeof expiresAt === 'string' ? (parseRfc3339(expiresAt) ?? null) : null,
      },
    };
  };
  return Object.assign(check, { schemas: { org: validators.org.schema, partner: validators.partner.schema } });
}
