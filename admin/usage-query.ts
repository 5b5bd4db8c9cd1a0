// The query of GET .../api-keys/{keyId}/usage, read strictly: only `from` and
// `to`, each at most once, each an RFC 3339 date-time with a zone (`Z` or an
// offset). `to` defaults to now and `from` to 24 hours before `to`; `from`
// must be before `to`, and the range at most MAX_USAGE_RANGE_MS. Values are
// percent-decoded; a `+` is taken as itself (an offset), not as a space, so
// `?from=2026-12-01T13:00:00+01:00` means what it says.
import { HOUR_MS, MAX_USAGE_RANGE_MS } from '../core/key-activity.js';
import type { Result } from '../core/result.js';
import { parseRfc3339 } from './validation.js';

export const USAGE_PARAMETERS = ['from', 'to'] as const;
export type UsageParameter = (typeof USAGE_PARAMETERS)[number];

/** The range asked for when `from` is absent: the 24 hours before `to`. */
export const DEFAULT_USAGE_RANGE_MS = 24 * HOUR_MS;

export interface UsageRange {
  readonly fromMs: number;
  readonly toMs: number;
}

/** A failure's problem names the parameter at fault. */
export type UsageQueryResult = Result<{ range: UsageRange }>;

const TIME_EXAMPLE = 'e.g. 2026-12-01T13:00:00Z';
const MAX_RANGE_DAYS = MAX_USAGE_RANGE_MS / (24 * HOUR_MS);
/** An unknown parameter's name is repeated in the answer only when it is plainly a name. */
const PRINTABLE_NAME = /^[A-Za-z0-9_.-]{1,40}$/;
const fail = (problem: string): UsageQueryResult => ({ ok: false, problem });
const isUsageParameter = (name: string): name is UsageParameter => (USAGE_PARAMETERS as readonly string[]).includes(name);

const decoded = (text: string): string | undefined => {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
};

/** `query`: the canonical target's query, with its leading `?`, or ''. */
export function parseUsageQuery(query: string, nowMs: number): UsageQueryResult {
  const values: Partial<Record<UsageParameter, string>> = {};
  for (const part of query.length > 1 ? query.slice(1).split('&') : []) {
    const equals = part.indexOf('=');
    const name = decoded(equals === -1 ? part : part.slice(0, equals));
    const value = equals === -1 ? '' : decoded(part.slice(equals + 1));
    if (name === undefined || value === undefined) return fail('The query has a percent-escape that is not UTF-8.');
    if (!isUsageParameter(name)) {
      const named = PRINTABLE_NAME.test(name) ? ` "${name}"` : '';
      return fail(`Unknown query parameter${named}; this endpoint takes only from and to.`);
    }
    if (values[name] !== undefined) return fail(`The query parameter ${name} is given more than once.`);
    values[name] = value;
  }
  const times: Partial<Record<UsageParameter, number>> = {};
  for (const name of USAGE_PARAMETERS) {
    const value = values[name];
    if (value === undefined) continue;
    const at = parseRfc3339(value);
    if (at === undefined) return fail(`${name} must be an RFC 3339 date-time with a time zone, ${TIME_EXAMPLE}.`);
    times[name] = at;
  }
  const toMs = times.to ?? nowMs;
  const fromMs = times.from ?? toMs - DEFAULT_USAGE_RANGE_MS;
  if (fromMs >= toMs) return fail(`from must be before to${times.to === undefined ? ' (default: now)' : ''}.`);
  if (toMs - fromMs > MAX_USAGE_RANGE_MS) return fail(`from and to may be at most ${MAX_RANGE_DAYS} days apart.`);
  return { ok: true, range: { fromMs, toMs } };
}
