// The key commands' flags become the body the API takes and are validated by
// the API's own check (admin/*-key-body.ts), compiled from the schema the
// OpenAPI document publishes: one set of rules for both. A refusal names the
// flag to blame, not the body member.
import { UsageError } from '../../core/errors.js';
import type { Checked } from '../validation.js';

/** A flag and the body member it gives (undefined: not given), listed in the check's member order. */
export type FlagMember = readonly [flag: string, member: string, value: unknown];

const bodyOf = (members: readonly FlagMember[]): Record<string, unknown> =>
  Object.fromEntries(members.map(([, member, value]) => [member, value]));

/** The checked request from the flags given; a refusal is a UsageError naming the flag. */
export function requestFromFlags<T>(members: readonly FlagMember[], check: (body: Record<string, unknown>) => Checked<T>): T {
  const given = members.filter(([, , value]) => value !== undefined);
  const checked = check(bodyOf(given));
  if (checked.ok) return checked.value;
  // The check answers the first problem in its member order, and members are
  // checked each on its own: the shortest refused prefix ends at the culprit.
  // (Prefixes of given flags only, so no prefix is an empty update.)
  const blamed = given.find((_, i) => !check(bodyOf(given.slice(0, i + 1))).ok);
  throw new UsageError(blamed === undefined ? checked.problem : `--${blamed[0]}: ${checked.problem}`);
}
