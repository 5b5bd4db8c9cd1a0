// The key commands' limit flags, written as an operator reads a limit:
// `--rate-limit 5000/1m,100000/1d` and `--quota 1000000/month`, or `none`
// (the policy's defaults again). They become the API body's `rateLimits`
// ([{limit, duration}]) and `quota` ({limit, period}); only their syntax is
// checked here: the values are the API's check's to judge (flag-body.ts).
import { stringFlag, type ParsedArgs } from '../../core/cli-kit.js';
import { UsageError } from '../../core/errors.js';
import type { QuotaJson, RateLimitJson } from '../key-limits.js';

/** The word that sets a limit back to the policy's default (the body's null). */
export const NONE = 'none';

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const WINDOW = /^(\d{1,16})\/(\d{1,12})(ms|s|m|h|d)$/;
const QUOTA = /^(\d{1,16})\/([a-z]+)$/;

const bad = (flag: string, entry: string, form: string): UsageError =>
  new UsageError(`--${flag}: ${JSON.stringify(entry.slice(0, 80))} is not ${form}, or ${NONE}`);

/** `--rate-limit` as the body's rateLimits: a list, null for `none`, undefined when not given. */
export function rateLimitsFlag(args: ParsedArgs, flag = 'rate-limit'): RateLimitJson[] | null | undefined {
  const raw = stringFlag(args, flag)?.trim();
  if (raw === undefined) return undefined;
  if (raw === NONE) return null;
  return raw.split(',').map((entry) => {
    const match = WINDOW.exec(entry.trim());
    if (!match) throw bad(flag, entry.trim(), 'LIMIT/DURATION (e.g. 5000/1m,100000/1d; units ms, s, m, h, d)');
    const [, limit, amount, unit] = match as unknown as [string, string, string, keyof typeof UNIT_MS];
    return { limit: Number(limit), duration: Number(amount) * UNIT_MS[unit] };
  });
}

/** `--quota` as the body's quota: {limit, period}, null for `none`, undefined when not given. */
export function quotaFlag(args: ParsedArgs, flag = 'quota'): QuotaJson | null | undefined {
  const raw = stringFlag(args, flag)?.trim();
  if (raw === undefined) return undefined;
  if (raw === NONE) return null;
  const match = QUOTA.exec(raw);
  if (!match) throw bad(flag, raw, 'LIMIT/PERIOD (e.g. 1000000/month; periods day, month)');
  // The period's words are the API check's to judge, so a wrong one is refused in its words.
  return { limit: Number(match[1]), period: match[2] as QuotaJson['period'] };
}
