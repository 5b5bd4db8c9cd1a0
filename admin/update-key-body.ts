// The PATCH api-keys/{keyId} body, validated by ajv from the schema the
// OpenAPI document publishes (UPDATE_KEY_REQUEST_SCHEMAS) through
// admin/body-check.ts: any of name, scopes, expiresAt, allowedIps, rateLimits
// and quota, at least
// one, nothing else (so id, status, keyPrefix or an owner are refused by
// name). The members' rules are create's (admin/body-members.ts); agency
// scopes and escalation are the handler's (admin/update-key.ts).
import type { KeyFamily } from '../core/keys.js';
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
import { UPDATE_KEY_REQUEST_SCHEMAS, type JsonSchema } from './openapi/schemas.js';
import { parseRfc3339, type Checked } from './validation.js';
import type { KeyChanges } from './store/key-store.js';

export type UpdateKeyBodyCheck = (body: unknown, family: KeyFamily, nowMs: number) => Checked<KeyChanges>;

interface UpdateKeyBody {
  name?: string;
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

export function compileUpdateKeyBodyCheck(
  schemas: Readonly<Record<KeyFamily, JsonSchema>> = UPDATE_KEY_REQUEST_SCHEMAS,
): UpdateKeyBodyCheck {
  const problem = compileBodyCheck(schemas, MEMBERS);
  return (body, family, nowMs) => {
    const input = withTrimmedName(body);
    const refused = problem(input, family, nowMs);
    if (refused !== undefined) return { ok: false, problem: refused };
    const { name, scopes, expiresAt, allowedIps, rateLimits, quota } = input as UpdateKeyBody;
    // Only the members sent; scopes in canonical order, as the store keeps them.
    const changes: KeyChanges = {};
    if (name !== undefined) changes.name = name;
    if (scopes !== undefined) changes.scopes = SCOPES.filter((scope) => scopes.includes(scope));
    if (expiresAt !== undefined) changes.expiresAt = expiresAt === null ? null : (parseRfc3339(expiresAt) ?? null);
    if (allowedIps !== undefined) changes.allowedIps = normalizedAllowedIps(allowedIps);
    if (rateLimits !== undefined) changes.rateLimits = rateLimitsFromJson(rateLimits);
    if (quota !== undefined) changes.quota = quotaFromJson(quota);
    return { ok: true, value: changes };
  };
}
