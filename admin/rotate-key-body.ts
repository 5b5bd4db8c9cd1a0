// The POST api-keys/{keyId}/rotate body, validated by ajv from the schema the
// OpenAPI document publishes (ROTATE_KEY_REQUEST_SCHEMA) through
// admin/body-check.ts. The whole body is optional: none, or {}, rotates with
// the default grace and the rotated key's name. Code keeps the name rules a
// schema cannot say (admin/body-members.ts).
import type { KeyFamily } from '../core/keys.js';
import { compileBodyCheck, withTrimmedName, type MemberRules } from './body-check.js';
import { NAME_MEMBER } from './body-members.js';
import { ROTATE_KEY_REQUEST_SCHEMA, type JsonSchema } from './openapi/schemas.js';
import { GRACE_PERIOD_SECONDS, PROBLEMS, type Checked } from './validation.js';

export interface RotateKeyRequest {
  /** How long the rotated key keeps working; 0: revoked at once. */
  graceMs: number;
  /** The successor's name; absent: the rotated key's. */
  name?: string;
}

export type RotateKeyBodyCheck = (body: unknown, family: KeyFamily, nowMs: number) => Checked<RotateKeyRequest>;

interface RotateKeyBody {
  gracePeriodSeconds?: number;
  name?: string;
}

/** Out of range, a fraction, a string: one sentence that says the whole rule. */
const GRACE_MEMBER: MemberRules = { problem: () => PROBLEMS.gracePeriod };

export function compileRotateKeyBodyCheck(schema: JsonSchema = ROTATE_KEY_REQUEST_SCHEMA): RotateKeyBodyCheck {
  const problem = compileBodyCheck({ org: schema, partner: schema }, { gracePeriodSeconds: GRACE_MEMBER, name: NAME_MEMBER });
  return (body, family, nowMs) => {
    const input = withTrimmedName(body === undefined ? {} : body);
    const refused = problem(input, family, nowMs);
    if (refused !== undefined) return { ok: false, problem: refused };
    const { gracePeriodSeconds = GRACE_PERIOD_SECONDS.default, name } = input as RotateKeyBody;
    return { ok: true, value: { graceMs: gracePeriodSeconds * 1000, ...(name === undefined ? {} : { name }) } };
  };
}
