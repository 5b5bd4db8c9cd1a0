// Rate-limit response headers, pure. Always the documented de facto set, from
// the decision's own figures (its header check's, plan-take.ts):
//   X-RateLimit-Limit      the header check's capacity (a quota's limit)
//   X-RateLimit-Remaining  whole tokens left after this request
//   X-RateLimit-Reset      Unix seconds (rounded up) when it is full again (a quota's period ends)
//   Retry-After            on refusal only: the decision's retryAfterSec (the
//                          longest of the refusing checks'), >= 1
// With `ietf: true`, also the fields of draft-ietf-httpapi-ratelimit-headers-10
// (Structured Field lists):
//   RateLimit-Policy: one item per check of the plan, "<check name>";q=<limit>[;w=<window seconds>]
//   RateLimit:        the header check, "<check name>";r=<remaining>[;t=<seconds until full again>]
// `w` (§3.1.3: whole seconds, no sub-second windows) is a window's length when
// that is whole seconds; for a day quota 86400, the draft's own "daily"
// example and the length of every UTC day in Unix time; a month quota has no
// fixed length (28 to 31 days, while the policy field SHOULD stay the same
// across responses), so it has none. `t` needs `nowMs` and is the delta form
// of X-RateLimit-Reset, because with continuous refill "more quota" arrives
// at once and the useful moment is when the bucket is full. Without a plan
// the policy is one item named "default" from the decision's own figures.
// A plan's policy field and quoted names are built once per plan (weakly
// cached), so a request costs only its RateLimit string.
import type { LimitCheck, LimitDecision, LimitPlan } from './types.js';

export interface RateLimitHeaderOptions {
  ietf: boolean;
  /** The plan `decision` is of: RateLimit-Policy lists each of its checks. Check names must be printable ASCII. */
  plan?: LimitPlan;
  nowMs?: number;
}

interface PlanFields {
  readonly policy: string;
  /** Each check's name as an sf-string, in plan order. */
  readonly names: readonly string[];
}

const DEFAULT_NAME = '"default"';
const DAY_SECONDS = 86_400;
const planFields = new WeakMap<LimitPlan, PlanFields>();

/**
 * Sets the rate-limit headers for `decision` on `headers` (the response's
 * header object, written in place: no intermediate object per request).
 */
export function setRateLimitHeaders(headers: Record<string, string>, decision: LimitDecision, options: RateLimitHeaderOptions): void {
  headers['x-ratelimit-limit'] = String(decision.limit);
  headers['x-ratelimit-remaining'] = String(decision.remaining);
  headers['x-ratelimit-reset'] = String(decision.resetAtSec);
  if (!decision.allowed) headers['retry-after'] = String(Math.max(1, decision.retryAfterSec));
  if (!options.ietf) return;

  let policy: string;
  let name: string;
  if (options.plan === undefined) {
    policy = `${DEFAULT_NAME};q=${decision.limit}`;
    name = DEFAULT_NAME;
  } else {
    const fields = fieldsOf(options.plan);
    policy = fields.policy;
    name = fields.names[decision.headerCheck] ?? DEFAULT_NAME;
  }
  let limitItem = `${name};r=${decision.remaining}`;
  if (options.nowMs !== undefined) limitItem += `;t=${Math.max(0, Math.ceil((decision.resetAtSec * 1000 - options.nowMs) / 1000))}`;
  headers['ratelimit-policy'] = policy;
  headers['ratelimit'] = limitItem;
}

function fieldsOf(plan: LimitPlan): PlanFields {
  let fields = planFields.get(plan);
  if (fields === undefined) {
    const names = plan.checks.map((check) => sfString(check.name));
    const policy = plan.checks.map((check, i) => policyItem(names[i] as string, check)).join(', ');
    fields = { policy, names };
    planFields.set(plan, fields);
  }
  return fields;
}

function policyItem(name: string, check: LimitCheck): string {
  if (check.kind === 'quota') return `${name};q=${check.quota.limit}${check.quota.period === 'day' ? `;w=${DAY_SECONDS}` : ''}`;
  const { requests, perMs } = check.spec;
  return perMs >= 1000 && perMs % 1000 === 0 ? `${name};q=${requests};w=${perMs / 1000}` : `${name};q=${requests}`;
}

/** A Structured Field String (RFC 9651 §3.3.3): printable ASCII, with `"` and `\` escaped. */
function sfString(value: string): string {
  if (!/^[\x20-\x7e]*$/.test(value)) throw new RangeError(`rate-limit policy name must be printable ASCII, got ${JSON.stringify(value)}`);
  return `"${value.replace(/[\\"]/g, '\\$&')}"`;
}
