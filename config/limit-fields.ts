// YAML readers for rate limits and quotas, shared by the policy
// (defaults.rateLimit, a route's rateLimit, defaults.quota) and the settings
// (rateLimit.authFailures). The rules are core's (core/rate-limits.ts), the
// same the admin API applies to a key's own limits; these readers only find
// the values and point each problem core names at the field it is about.
import { isAlias, isMap, isScalar, isSeq, type Node } from 'yaml';
import { quotaProblems, windowListProblems, windowProblems, type QuotaSpec, type RateLimitSpec } from '../core/rate-limits.js';
import { durationMs } from './duration.js';
import { describe, joinPath, MapReader, type Entry, type FieldReader, type YamlSource } from './yaml-source.js';

const WINDOW_SHAPE = 'a map like { requests: 1000, per: 1m }';
const DAYS = /^(\d{1,3})d$/;
const DAY_MS = 86_400_000;

const scalarOf = (node: Node | null): unknown => (isScalar(node) ? node.value : undefined);

/** A window's length: a duration (duration.ts) or whole days, `1d`, which only windows take (no timer waits that long). */
function windowLengthMs(value: unknown): number | undefined {
  const days = typeof value === 'string' ? DAYS.exec(value) : null;
  return days ? Number(days[1]) * DAY_MS : durationMs(value);
}

/** The entries of `map` for `keys`, each missing one reported as required. */
function required<K extends string>(map: MapReader, keys: readonly K[]): Record<K, Entry | undefined> {
  const entries = Object.fromEntries(keys.map((key) => [key, map.get(key)])) as Record<K, Entry | undefined>;
  map.finish();
  for (const key of keys) if (!entries[key]) map.src.problems.add(map.node, joinPath(map.path, key), 'is required');
  return entries;
}

/**
 * Report each of core's phrases (`requests must be ...`) at the field its first word names; a
 * field given as undefined (absent, or already reported) is skipped. True when none was wrong.
 */
function reportAtFields(src: YamlSource, fields: Readonly<Record<string, Entry | undefined>>, problems: readonly string[]): boolean {
  for (const problem of problems) {
    const space = problem.indexOf(' ');
    const entry = fields[problem.slice(0, space)];
    if (entry) src.problems.add(entry.at, entry.path, `${problem.slice(space + 1)}, got ${describe(entry.value)}`);
  }
  return problems.length === 0;
}

/** One window, `{ requests: 1000, per: 1m }`: both required; `per` from 1 s to 366 days (`1d` allowed). */
export const rateLimit: FieldReader<RateLimitSpec> = (src, entry) => {
  const map = MapReader.of(src, entry, WINDOW_SHAPE);
  if (!map) return undefined;
  const fields = required(map, ['requests', 'per']);
  const requests = fields.requests && scalarOf(fields.requests.value);
  const perMs = fields.per && windowLengthMs(scalarOf(fields.per.value));
  if (fields.per && perMs === undefined) {
    src.problems.add(
      fields.per.at,
      fields.per.path,
      `must be a length like 1s, 10m, 1h, 1d or a number of milliseconds, got ${describe(fields.per.value)}`,
    );
  }
  const valid = reportAtFields(
    src,
    { requests: fields.requests, per: perMs === undefined ? undefined : fields.per },
    windowProblems(requests, perMs),
  );
  return valid ? Object.freeze({ requests: requests as number, perMs: perMs as number }) : undefined;
};

/**
 * One window or a list of them: `{ requests: 1000, per: 1m }` or `[{ requests: 100, per: 1s }, { requests: 100000, per: 1d }]`.
 * The list's own rules (how many, distinct lengths, longer windows allowing at least as many) are checked once every
 * window in it is valid, and reported at the list.
 */
export const rateLimits: FieldReader<readonly RateLimitSpec[]> = (src, entry) => {
  if (isMap(entry.value)) {
    const window = rateLimit(src, entry);
    return window && Object.freeze([window]);
  }
  if (!isSeq(entry.value)) {
    src.problems.add(entry.at, entry.path, `must be ${WINDOW_SHAPE} or a list of such maps, got ${describe(entry.value)}`);
    return undefined;
  }
  const windows = entry.value.items.map((item, i) => {
    const node = isAlias(item) ? ((item.resolve(src.doc) as Node | undefined) ?? null) : ((item as Node | null) ?? null);
    const at = node?.range ? node : entry.at;
    return rateLimit(src, { key: String(i), value: node, at, keyNode: at, path: `${entry.path}[${i}]` });
  });
  const valid = windows.filter((window): window is RateLimitSpec => window !== undefined);
  if (valid.length < windows.length) return undefined;
  const problems = windowListProblems(valid);
  for (const problem of problems) src.problems.add(entry.at, entry.path, problem);
  return problems.length ? undefined : Object.freeze(valid);
};

/** `{ limit: 1000000, period: month }`: both required; period day or month (UTC calendar). */
export const quota: FieldReader<QuotaSpec> = (src, entry) => {
  const map = MapReader.of(src, entry, 'a map like { limit: 1000000, period: month }');
  if (!map) return undefined;
  const fields = required(map, ['limit', 'period']);
  const limit = fields.limit && scalarOf(fields.limit.value);
  const period = fields.period && scalarOf(fields.period.value);
  if (!reportAtFields(src, fields, quotaProblems(limit, period))) return undefined;
  return Object.freeze({ limit, period } as QuotaSpec);
};
