// Pure parsing of what a gateway sends the change feed listener: the query of
// a changes request and the body of an activity batch (core/key-activity.ts). Strict: unknown or
// repeated parameters are errors, numbers are plain decimal integers in range.
import { HOUR_MS, USAGE_OUTCOMES, type HourlyUsage, type KeyActivityBatch, type UsageCounts } from '../../core/key-activity.js';
import type { Checked } from '../validation.js';
import { normalizeKeyId } from '../validation.js';

export interface ChangesQuery {
  since: number;
  limit: number;
  waitMs: number;
}

export const FEED_LIMITS = Object.freeze({
  defaultLimit: 1000,
  maxLimit: 5000,
  maxWaitMs: 30_000,
});

const bad = <T>(problem: string): Checked<T> => ({ ok: false, problem });
const DECIMAL = /^(0|[1-9][0-9]{0,15})$/;

const PARAMS: Readonly<Record<keyof ChangesQuery, { min: number; max: number; fallback: number }>> = {
  since: { min: 0, max: Number.MAX_SAFE_INTEGER, fallback: 0 },
  limit: { min: 1, max: FEED_LIMITS.maxLimit, fallback: FEED_LIMITS.defaultLimit },
  waitMs: { min: 0, max: FEED_LIMITS.maxWaitMs, fallback: 0 },
};

/** `query` as canonicalizeTarget returns it: '' or '?a=1&b=2'. */
export function parseChangesQuery(query: string): Checked<ChangesQuery> {
  const result: ChangesQuery = { since: PARAMS.since.fallback, limit: PARAMS.limit.fallback, waitMs: PARAMS.waitMs.fallback };
  const seen = new Set<string>();
  for (const [name, value] of new URLSearchParams(query)) {
    if (!Object.hasOwn(PARAMS, name)) return bad(`unknown parameter "${name.slice(0, 40)}"; allowed: since, limit, waitMs`);
    if (seen.has(name)) return bad(`parameter "${name}" given twice`);
    seen.add(name);
    const spec = PARAMS[name as keyof ChangesQuery];
    const number = DECIMAL.test(value) ? Number(value) : NaN;
    if (!(number >= spec.min && number <= spec.max)) return bad(`${name} must be an integer from ${spec.min} to ${spec.max}`);
    result[name as keyof ChangesQuery] = number;
  }
  return { ok: true, value: result };
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const BATCH_SHAPE =
  'the body must be {"lastUsed": {"<key id>": <epoch milliseconds>, ...}, "usage": [{"keyId", "hourStart", "success", "rateLimited", "clientErrors", "serverErrors"}, ...]}';
const USAGE_MEMBERS = new Set(['keyId', 'hourStart', ...USAGE_OUTCOMES]);
const isCount = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;

/** `{"lastUsed": {...}, "usage": [...]}` (usage optional: gateways before usage counting send none). */
export function parseActivityBody(body: unknown): Checked<KeyActivityBatch> {
  if (!isPlainObject(body) || !isPlainObject(body.lastUsed)) return bad(BATCH_SHAPE);
  for (const member of Object.keys(body)) if (member !== 'lastUsed' && member !== 'usage') return bad(BATCH_SHAPE);
  const lastUsed = new Map<string, number>();
  for (const [rawId, atMs] of Object.entries(body.lastUsed)) {
    const keyId = normalizeKeyId(rawId);
    if (keyId === undefined) return bad(`"${rawId.slice(0, 40)}" is not a key id`);
    if (!isCount(atMs)) return bad(`the time for ${keyId} must be a non-negative integer of epoch milliseconds`);
    lastUsed.set(keyId, Math.max(atMs, lastUsed.get(keyId) ?? 0));
  }
  if (body.usage === undefined) return { ok: true, value: { lastUsed, usage: [] } };
  if (!Array.isArray(body.usage)) return bad(BATCH_SHAPE);
  const usage: HourlyUsage[] = [];
  for (const [index, entry] of body.usage.entries()) {
    const problem = `usage[${index}] must be {"keyId": "<key id>", "hourStart": <epoch ms of a UTC hour>, "success", "rateLimited", "clientErrors", "serverErrors": <counts>}`;
    if (!isPlainObject(entry) || Object.keys(entry).some((member) => !USAGE_MEMBERS.has(member))) return bad(problem);
    const keyId = typeof entry.keyId === 'string' ? normalizeKeyId(entry.keyId) : undefined;
    const { hourStart } = entry;
    if (keyId === undefined || !isCount(hourStart) || hourStart % HOUR_MS !== 0) return bad(problem);
    const counts = {} as UsageCounts;
    for (const outcome of USAGE_OUTCOMES) {
      const n = entry[outcome];
      if (!isCount(n)) return bad(problem);
      counts[outcome] = n;
    }
    usage.push({ keyId, hourStartMs: hourStart, ...counts });
  }
  return { ok: true, value: { lastUsed, usage } };
}
