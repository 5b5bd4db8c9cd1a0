// Typed readers for single YAML values, shared by the policy and settings
// validators. Each returns the value, or records one problem naming what was
// expected and what was found, and returns undefined. Strict on types: a
// quoted "8080" is not a port and `yes` is not a boolean (YAML 1.2).
import { isScalar, type Node } from 'yaml';
import { parseTrustedProxies } from '../core/client-ip.js';
import type { Result } from '../core/result.js';
import { durationMs, parseDuration } from './duration.js';
import { describe, quote, type Entry, type FieldReader, type YamlSource } from './yaml-source.js';

const scalarOf = (node: Node | null): unknown => (isScalar(node) ? node.value : undefined);

function fail(src: YamlSource, entry: Entry, message: string): undefined {
  src.problems.add(entry.at, entry.path, `${message}, got ${describe(entry.value)}`);
  return undefined;
}

export const text: FieldReader<string> = (src, entry) => {
  const value = scalarOf(entry.value);
  return typeof value === 'string' && value.trim() !== '' ? value : fail(src, entry, 'must be a non-empty string');
};

export const flag: FieldReader<boolean> = (src, entry) => {
  const value = scalarOf(entry.value);
  return typeof value === 'boolean' ? value : fail(src, entry, 'must be true or false');
};

/** Milliseconds; see duration.ts for the accepted forms. */
export const duration: FieldReader<number> = (src, entry) => {
  const result = parseDuration(scalarOf(entry.value));
  return result.ok ? result.ms : fail(src, entry, result.problem);
};

/** Milliseconds from `minMs` to `maxMs`, or 0 (written `0` or `0ms`) for "off". */
export const durationOrOff =
  (minMs: number, maxMs: number): FieldReader<number> =>
  (src, entry) => {
    const ms = durationMs(scalarOf(entry.value));
    if (ms === 0 || (ms !== undefined && ms >= minMs && ms <= maxMs)) return ms;
    return fail(src, entry, `must be 0 (off) or a duration from ${minMs}ms to ${maxMs}ms`);
  };

const WHOLE_DAYS = /^([1-9]\d{0,4})d$/;

/** Whole days, `90d`, from `min` to `max`, in milliseconds (a span kept on disk, never a timer). */
export const days =
  (min: number, max: number): FieldReader<number> =>
  (src, entry) => {
    const match = WHOLE_DAYS.exec(String(scalarOf(entry.value)));
    const n = match ? Number(match[1]) : NaN;
    return n >= min && n <= max ? n * 86_400_000 : fail(src, entry, `must be a number of days from ${min}d to ${max}d, like 90d`);
  };

export const integer =
  (min: number, max = Number.MAX_SAFE_INTEGER): FieldReader<number> =>
  (src, entry) => {
    const value = scalarOf(entry.value);
    if (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max) return value;
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`;
    return fail(src, entry, `must be an integer ${range}`);
  };

export const oneOf =
  <T extends string>(values: readonly T[]): FieldReader<T> =>
  (src, entry) => {
    const value = scalarOf(entry.value);
    return values.includes(value as T) ? (value as T) : fail(src, entry, `must be one of ${values.join(', ')}`);
  };

export type OriginResult = Result<{ origin: string }>;

/**
 * An http(s) origin such as `http://127.0.0.1:9000`: no credentials, path,
 * query or fragment, since the gateway forwards the matched path as is and a
 * base path would silently change what was authorized. Pure; also used for
 * environment variables.
 */
export function parseOrigin(value: unknown): OriginResult {
  const problem = 'must be an http:// or https:// URL with no path, query or credentials, like http://127.0.0.1:9000';
  if (typeof value !== 'string' || !/^https?:\/\/[^/?#]/.test(value)) return { ok: false, problem };
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return { ok: false, problem };
  }
  // `href` keeps an empty `?` or `#` and any credentials, so this one comparison rejects them all.
  return url.href === `${url.origin}/` ? { ok: true, origin: url.origin } : { ok: false, problem };
}

/** Hide `user:password@` so a refused URL does not put a secret into logs. */
export const hideUserinfo = (url: string): string => url.replace(/^([A-Za-z][A-Za-z0-9+.-]*:\/\/)[^/?#]*@/, '$1***@');

export const origin: FieldReader<string> = (src, entry) => {
  const value = scalarOf(entry.value);
  const result = parseOrigin(value);
  if (result.ok) return result.origin;
  const shown = typeof value === 'string' ? quote(hideUserinfo(value)) : describe(entry.value);
  src.problems.add(entry.at, entry.path, `${result.problem}, got ${shown}`);
  return undefined;
};

/** `server.trustedProxies`: a list of addresses and CIDRs, normalized (core/client-ip.ts); `null` is the empty list. */
export const trustedProxyList: FieldReader<readonly string[]> = (src, entry) => {
  // Any node as plain data, so a map or a string is refused by the parser rather than read as absent.
  const value: unknown = entry.value === null ? null : entry.value.toJSON();
  const result = parseTrustedProxies(value);
  if (result.ok) return Object.freeze(result.trustedProxies);
  // The problem is worded for the field on its own; the path already names it.
  const field = 'server.trustedProxies ';
  src.problems.add(entry.at, entry.path, result.problem.startsWith(field) ? result.problem.slice(field.length) : result.problem);
  return undefined;
};
