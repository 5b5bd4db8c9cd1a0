// Pure validation of what callers send the admin plane (path parameters, CLI
// flags) and the wording both the CLI and the API use. Each function returns
// the parsed value or a problem; nothing here reads the store, the clock or a
// socket. The create-key body, of the API and of `keys create` alike, is
// validated from its JSON Schema (admin/create-key-body.ts), which reads the
// rules and words from here.
import type { KeyFamily } from '../core/keys.js';
import { AGENCY_SCOPES, hasAgencyScope, parseScopeList, type Scope } from '../core/scopes.js';

export type Checked<T> = { ok: true; value: T } | { ok: false; problem: string };

const ok = <T>(value: T): Checked<T> => ({ ok: true, value });
const bad = <T>(problem: string): Checked<T> => ({ ok: false, problem });

const OWNER_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** The owner id rule as a regular expression's source, for the OpenAPI document. */
export const OWNER_ID_PATTERN = OWNER_ID.source;

/** Organization and partner ids: 1 to 64 of [A-Za-z0-9_-]. */
export const isValidOwnerId = (value: string): boolean => OWNER_ID.test(value);

export const OWNER_ID_RULE = '1 to 64 characters of A-Z, a-z, 0-9, _ and -';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A key id in canonical (lower-case) form, or undefined when it is not UUID-shaped. */
export const normalizeKeyId = (value: string): string | undefined => (UUID.test(value) ? value.toLowerCase() : undefined);

export const DEFAULT_SCOPES: Readonly<Record<KeyFamily, readonly Scope[]>> = Object.freeze({
  org: Object.freeze(['read', 'write'] as Scope[]),
  partner: Object.freeze(['read', 'write', 'admin'] as Scope[]),
});

export const MAX_NAME_LENGTH = 255;

/** A rotation's grace period, in seconds: how long the rotated key keeps working (0: revoked at once). */
export const GRACE_PERIOD_SECONDS = Object.freeze({ default: 86_400, max: 2_592_000 });

// Characters a name refuses, checked in order; the first match is the problem.
// They spoof or corrupt listings and log lines (U+202E renders
// "ci-\u202egnp.exe" as "ci-exe.png"), and nobody names a key with them. A lone
// surrogate cannot be stored as UTF-8 at all. \p{Cs} under the u flag matches
// only unpaired surrogates; it stands in for String.prototype.isWellFormed,
// which Node 20 has but the ES2022 lib types do not.
const NAME_RULES: ReadonlyArray<{ pattern: RegExp; problem: string }> = [
  { pattern: /\p{Cs}/u, problem: 'name must be valid Unicode (no lone surrogates)' },
  // eslint-disable-next-line no-control-regex
  { pattern: /[\u0000-\u001f\u007f]/u, problem: 'name must not contain control characters' },
  {
    pattern: /[\u202a-\u202e\u2066-\u2069]/u,
    problem: 'name must not contain bidirectional control characters (U+202A–U+202E, U+2066–U+2069)',
  },
  { pattern: /[\u2028\u2029]/u, problem: 'name must not contain line or paragraph separators (U+2028, U+2029)' },
  {
    pattern: /[\u200b-\u200d\u2060\ufeff]/u,
    problem: 'name must not contain zero-width characters (U+200B–U+200D, U+2060, U+FEFF)',
  },
];

/** What a refused name or expiry is told, by the CLI and the API alike. */
export const PROBLEMS = Object.freeze({
  nameNotString: 'name must be a string',
  nameEmpty: 'name must not be empty',
  nameTooLong: (max: number): string => `name must be at most ${max} characters`,
  expiresAtNotString: 'expiresAt must be an RFC 3339 date-time string or null',
  expiresAtNotRfc3339: 'expiresAt must be an RFC 3339 date-time with a time zone, e.g. 2030-01-31T00:00:00Z',
  expiresAtPast: 'expiresAt must be in the future',
  gracePeriod: `gracePeriodSeconds must be a whole number of seconds from 0 to ${GRACE_PERIOD_SECONDS.max} (30 days)`,
});

/** The first of NAME_RULES a (trimmed) name breaks: the rules no JSON Schema can say. */
export const nameCharacterProblem = (name: string): string | undefined => NAME_RULES.find((rule) => rule.pattern.test(name))?.problem;

/** A key name (also --created-by / --revoked-by): trimmed, 1 to 255 characters, none of NAME_RULES. */
export function checkName(value: unknown): Checked<string> {
  if (typeof value !== 'string') return bad(PROBLEMS.nameNotString);
  const name = value.trim();
  if (name === '') return bad(PROBLEMS.nameEmpty);
  if ([...name].length > MAX_NAME_LENGTH) return bad(PROBLEMS.nameTooLong(MAX_NAME_LENGTH));
  const refused = nameCharacterProblem(name);
  return refused === undefined ? ok(name) : bad(refused);
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

/**
 * Parse an RFC 3339 date-time (a time zone is required) to epoch ms.
 * Fractions beyond milliseconds are truncated; a leap second (:60) is read as
 * the first instant of the next minute.
 */
export function parseRfc3339(value: string): number | undefined {
  const m = RFC3339.exec(value);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const millis = m[7] ? Number(m[7].slice(1, 4).padEnd(3, '0')) : 0;
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 60) return undefined;
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day > daysInMonth) return undefined;
  let offsetMinutes = 0;
  if (!m[8]) {
    const offsetHour = Number(m[10]);
    const offsetMinute = Number(m[11]);
    if (offsetHour > 23 || offsetMinute > 59) return undefined;
    offsetMinutes = (m[9] === '-' ? -1 : 1) * (offsetHour * 60 + offsetMinute);
  }
  const utc = new Date(0);
  utc.setUTCFullYear(year, month - 1, day); // setUTCFullYear: years 0-99 stay literal
  utc.setUTCHours(hour, minute, second, millis);
  return utc.getTime() - offsetMinutes * 60_000;
}

/** An expiry: RFC 3339 with a zone, strictly after `nowMs`. null means never. */
export function checkExpiresAt(value: unknown, nowMs: number): Checked<number | null> {
  if (value === null) return ok(null);
  if (typeof value !== 'string') return bad(PROBLEMS.expiresAtNotString);
  const at = parseRfc3339(value);
  if (at === undefined) return bad(PROBLEMS.expiresAtNotRfc3339);
  if (at <= nowMs) return bad(PROBLEMS.expiresAtPast);
  return ok(at);
}

/** Scopes for a new key of `family`: validated, or the family default when absent. */
export function checkScopes(value: unknown, family: KeyFamily): Checked<readonly Scope[]> {
  if (value === undefined) return ok(DEFAULT_SCOPES[family]);
  const parsed = parseScopeList(value);
  if (!parsed.ok) return bad(parsed.problem);
  if (family === 'partner' && hasAgencyScope(parsed.scopes)) {
    return bad(`${AGENCY_SCOPES.join(' and ')} exist only for organization keys`);
  }
  return ok(parsed.scopes);
}
