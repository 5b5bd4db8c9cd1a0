// The member rules the key bodies share (admin/body-check.ts): how each
// member's schema errors are worded, in the words the CLI and the API have
// always used (admin/validation.ts, core/scopes.ts, core/ip-allowlist.ts),
// and what code checks that no schema can say.
import { parseAllowedIps } from '../core/ip-allowlist.js';
import type { MemberRules } from './body-check.js';
import { quotaMemberProblems, rateLimitsProblems } from './key-limits.js';
import { checkScopes, nameCharacterProblem, parseRfc3339, PROBLEMS, type Checked } from './validation.js';

const problemOf = (checked: Checked<unknown>): string | undefined => (checked.ok ? undefined : checked.problem);

export const NAME_MEMBER: MemberRules = {
  problem: ([error]) => {
    if (error?.keyword === 'type') return PROBLEMS.nameNotString;
    if (error?.keyword === 'pattern') return PROBLEMS.nameEmpty; // \S, after trimming
    if (error?.keyword === 'maxLength') return PROBLEMS.nameTooLong(Number(error.params.limit));
    return undefined;
  },
  codeProblem: (value) => (typeof value === 'string' ? nameCharacterProblem(value) : undefined),
};

// core/scopes.ts words a refused scope list for the CLI and the API alike
// (which item it names first); here it only words what the schema refused.
// For partner keys the schema's enum leaves out the agency scopes, which
// checkScopes explains as such.
export const SCOPES_MEMBER: MemberRules = { problem: (_errors, value, family) => problemOf(checkScopes(value, family)) };

export const EXPIRES_AT_MEMBER: MemberRules = {
  problem: ([error]) => {
    if (error?.keyword === 'type') return PROBLEMS.expiresAtNotString;
    if (error?.keyword === 'format') return PROBLEMS.expiresAtNotRfc3339;
    return undefined;
  },
  codeProblem: (value, nowMs) => {
    const at = typeof value === 'string' ? parseRfc3339(value) : undefined;
    return at !== undefined && at <= nowMs ? PROBLEMS.expiresAtPast : undefined;
  },
};

// core/ip-allowlist.ts is the one reading of an allowlist (the API, the CLI
// and the settings' trustedProxies share it): it words what the schema
// refused (type, bounds, a non-string entry) and alone checks each entry's
// syntax and duplicates, which it names all at once.
const allowedIpsProblem = (value: unknown): string | undefined => {
  const parsed = parseAllowedIps(value);
  return parsed.ok ? undefined : parsed.problem;
};
export const ALLOWED_IPS_MEMBER: MemberRules = {
  problem: (_errors, value) => allowedIpsProblem(value),
  codeProblem: allowedIpsProblem,
};

/** A validated allowlist member in its normal form; null: any address. Only for a value the check accepted. */
export function normalizedAllowedIps(value: unknown): string[] | null {
  const parsed = parseAllowedIps(value);
  if (!parsed.ok) throw new TypeError(`allowedIps was not checked: ${parsed.problem}`);
  return parsed.allowedIps;
}

const MAX_PROBLEMS_SHOWN = 10;

/** Every problem of a member at once, the first few in full when there are many. */
const allOf = (problems: readonly string[]): string | undefined => {
  if (problems.length === 0) return undefined;
  const shown = problems.slice(0, MAX_PROBLEMS_SHOWN).join('; ');
  return problems.length > MAX_PROBLEMS_SHOWN ? `${shown}; and ${problems.length - MAX_PROBLEMS_SHOWN} more` : shown;
};

// A key's own limits keep the policy's rules (core/rate-limits.ts through
// admin/key-limits.ts), which alone word them: the schema's refusals and the
// rules no schema can say (two windows of one length, a longer window
// allowing fewer requests) are named all at once.
const rateLimitsProblem = (value: unknown): string | undefined => allOf(rateLimitsProblems(value));
export const RATE_LIMITS_MEMBER: MemberRules = { problem: (_errors, value) => rateLimitsProblem(value), codeProblem: rateLimitsProblem };

const quotaProblem = (value: unknown): string | undefined => allOf(quotaMemberProblems(value));
export const QUOTA_MEMBER: MemberRules = { problem: (_errors, value) => quotaProblem(value), codeProblem: quotaProblem };
