// The POST api-keys body, validated by ajv from the JSON Schema the OpenAPI
// document publishes (CREATE_KEY_REQUEST_SCHEMAS) through admin/body-check.ts:
// the body's shape, its members, types, lengths, scope names, duplicates,
// date-time format, allowlist bounds and the limits' shapes are stated there once. Code keeps
// what a schema cannot say (admin/body-members.ts): the name is trimmed
// before the schema sees it and its characters are checked, expiresAt must be
// in the future, each allowlist entry must be an address or CIDR, and a key's
// own windows keep the policy's list rules (core/rate-limits.ts). Agency
// scopes of an organization that is not an agency, and scope escalation, need
// the store and the caller: they are the handler's (admin/key-handlers.ts).
import type { KeyFamily } from '../core/keys.js';
import type { QuotaSpec, RateLimitSpec } from '../core/rate-limits.js';
import { SCOPES, type Scope } from '../core/scopes.js';
import { compileBodyCheck, withTrimmedName } from './body-check.js';
import {
  ALLOWED_IPS_MEMBER,
  EXPIRES_AT_MEMBER,
  NAME_MEMBER,
  normalizedAllowedIps,
  QUOTA_MEMBER,
  RATE_LIMITS_MEMBER,
  SCOPES_MEMBER,
} from './body-members.js';
import { quotaFromJson, rateLimitsFromJson, type QuotaJson, type RateLimitJson } from './key-limits.js';
import { CREATE_KEY_REQUEST_SCHEMAS, type JsonSchema } from './openapi/schemas.js';
import { DEFAULT_SCOPES, parseRfc3339, type Checked } from './validation.js';

export interface CreateKeyRequest {
  name: string;
  scopes: readonly Scope[];
  expiresAt: number | null;
  /** Normalized; null: any address. */
  allowedIps: readonly string[] | null;
  /** Record form, shortest window first; null: the policy's. */
  rateLimits: readonly RateLimitSpec[] | null;
  /** Null: the policy's. */
  quota: QuotaSpec | null;
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
  allowedIps?: string[] | null;
  rateLimits?: RateLimitJson[] | null;
  quota?: QuotaJson | null;
}

const MEMBERS = {
  name: NAME_MEMBER,
  scopes: SCOPES_MEMBER,
  expiresAt: EXPIRES_AT_MEMBER,
  allowedIps: ALLOWED_IPS_MEMBER,
  rateLimits: RATE_LIMITS_MEMBER,
  quota: QUOTA_MEMBER,
};

/** Compile the create-key body check once (a server does, at creation) from the published schemas. */
export function compileCreateKeyBodyCheck(
  schemas: Readonly<Record<KeyFamily, JsonSchema>> = CREATE_KEY_REQUEST_SCHEMAS,
): CreateKeyBodyCheck {
  const problem = compileBodyCheck(schemas, MEMBERS);
  const check = (body: unknown, family: KeyFamily, nowMs: number): Checked<CreateKeyRequest> => {
    const input = withTrimmedName(body);
    const refused = problem(input, family, nowMs);
    if (refused !== undefined) return { ok: false, problem: refused };
    const { name, scopes, expiresAt, allowedIps, rateLimits, quota } = input as CreateKeyBody;
    return {
      ok: true,
      value: {
        name,
        scopes: scopes === undefined ? DEFAULT_SCOPES[family] : SCOPES.filter((scope) => scopes.includes(scope)),
        expiresAt: typeof expiresAt === 'string' ? (parseRfc3339(expiresAt) ?? null) : null,
        allowedIps: allowedIps === undefined ? null : normalizedAllowedIps(allowedIps),
        rateLimits: rateLimitsFromJson(rateLimits ?? null),
        quota: quotaFromJson(quota ?? null),
      },
    };
  };
  return Object.assign(check, { schemas: problem.schemas });
}
