// Pure parsing of what a gateway sends the change feed listener: the query of
// a changes request and the body of a last-used batch. Strict: unknown or
// repeated parameters are errors, numbers are plain decimal integers in range.
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

/** `{"lastUsed": {"<key uuid>": <epoch ms>, ...}}` as a Map. */
export function parseLastUsedBody(body: unknown): Checked<Map<string, number>> {
  if (!isPlainObject(body) || Object.keys(body).length !== 1 || !isPlainObject(body.lastUsed)) {
    return bad('the body must be {"lastUsed": {"<key id>": <epoch milliseconds>, ...}}');
  }
  const batch = new Map<string, number>();
  for (const [rawId, atMs] of Object.entries(body.lastUsed)) {
    const keyId = normalizeKeyId(rawId);
    if (keyId === undefined) return bad(`"${rawId.slice(0, 40)}" is not a key id`);
    if (typeof atMs !== 'number' || !Number.isSafeInteger(atMs) || atMs < 0) {
      return bad(`the time for ${keyId} must be a non-negative integer of epoch milliseconds`);
    }
    batch.set(keyId, Math.max(atMs, batch.get(keyId) ?? 0));
  }
  return { ok: true, value: batch };
}
