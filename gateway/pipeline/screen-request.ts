// Cheap refusals before any key is hashed: header shapes an upstream could
// read as something the gateway did not authorize, and route parameters
// restated in the query. Pure functions over Node's flat rawHeaders array and
// the canonical query; one pass each, and most headers cost one array read.
import { ApiError } from '../../core/errors.js';
import { FAMILIES } from '../../core/keys.js';
import { decodeLenient } from '../../core/request-target.js';
import { CREDENTIAL_HEADERS, fieldKey, METHOD_OVERRIDE_HEADERS, METHOD_OVERRIDE_PARAM } from '../forward/claim-headers.js';
import { isDigit, isValidHost } from './host-header.js';
import type { RouteRule } from './policy-view.js';

// What a header name of a given length could be: a name of any other length is skipped
// without lowercasing it. Derived from the lists, so a new entry is screened automatically.
const HOST = 1;
const CREDENTIAL = 2;
const OVERRIDE = 4;
const KIND_BY_LENGTH = new Uint8Array(64);
const mark = (length: number, kind: number): void => {
  KIND_BY_LENGTH[length] = (KIND_BY_LENGTH[length] ?? 0) | kind;
};
mark(4, HOST);
for (const name of CREDENTIAL_HEADERS) mark(name.length, CREDENTIAL);
for (const name of METHOD_OVERRIDE_HEADERS) mark(name.length, OVERRIDE);

/**
 * One pass over the raw header list. Refused:
 * - a second Host (RFC 9112 §3.2; Node keeps the first and says nothing, an upstream might keep the last);
 * - a Host that is not `host[:port]` (it is forwarded as X-Forwarded-Host, which upstreams build URLs from);
 * - a method override in any spelling (`X_HTTP_Method_Override` too): the upstream would run another
 *   method than the one authorized;
 * - a credential header spelled with `_` (`X_API_Key`): a CGI-style upstream reads it as `X-API-Key`,
 *   so next to the checked key it is a second, unchecked one (400 ambiguous_credentials).
 */
export function screenHeaders(rawHeaders: readonly string[]): ApiError | undefined {
  let hosts = 0;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] as string;
    const kind = name.length < KIND_BY_LENGTH.length ? (KIND_BY_LENGTH[name.length] as number) : 0;
    if (kind === 0) continue;
    const field = fieldKey(name);
    if ((kind & HOST) !== 0 && field === 'host') {
      if (++hosts > 1) return new ApiError('invalid_header', 'The Host header was sent more than once.');
      if (!isValidHost(rawHeaders[i + 1] as string)) {
        return new ApiError(
          'invalid_header',
          'The Host header must be host[:port]: a host name, an IPv4 address or a bracketed IPv6 address, and a port from 1 to 65535.',
        );
      }
    } else if ((kind & CREDENTIAL) !== 0 && CREDENTIAL_HEADERS.has(field)) {
      if (name.includes('_')) {
        const spelled = Object.values(FAMILIES).find((spec) => spec.header === field)?.headerName ?? field;
        return new ApiError(
          'ambiguous_credentials',
          `The ${name} header is not allowed: upstreams read it as ${spelled}. Send the key in ${spelled} only.`,
        );
      }
    } else if ((kind & OVERRIDE) !== 0 && METHOD_OVERRIDE_HEADERS.has(field)) {
      return new ApiError('invalid_header', `The ${name} header is not allowed.`);
    }
  }
  return undefined;
}

interface RouteParamNames {
  readonly names: readonly string[];
  /** Each name as compared with query parameter names: letters and digits only, lower case. */
  readonly compact: readonly string[];
}

/** Per compiled route (its parameter names never change); a reloaded policy brings new route objects. */
const paramNamesByRoute = new WeakMap<RouteRule, RouteParamNames>();

const compactName = (name: string): string => name.toLowerCase().replace(/[^a-z0-9]/g, '');

function paramNamesOf(route: RouteRule, params: Readonly<Record<string, string>>): RouteParamNames {
  let known = paramNamesByRoute.get(route);
  if (known === undefined) {
    const names = Object.keys(params);
    known = { names, compact: names.map(compactName) };
    paramNamesByRoute.set(route, known);
  }
  return known;
}

const OVERRIDE_WORD = METHOD_OVERRIDE_PARAM.slice(1);

/**
 * What the matched route forbids in the rest of the request, its query (with its leading `?`, as
 * canonicalizeTarget returns it); undefined when nothing. `params` are the route's match params.
 * Refused, both as 400 invalid_request_target (the fix is in the target, not in a header):
 * - `_method` in any spelling a framework reads as it: a method override;
 * - a parameter named like one of the route's path parameters with another value: Rails, Laravel,
 *   PHP's $_REQUEST and hand-written handlers merge path and query parameters, and may let the
 *   query win over the `{organization_id}` the gateway authorized. Names compare by letters and
 *   digits only, case-folded, after decoding (`organization_id`, `Organization-ID`,
 *   `organization%5Fid`, `organization+id`, `organizationId`, `organization_id[]`); values compare
 *   decoded, and a `+` in the value (a space to form decoders, a plus to others) is never equal.
 *   Restating the same value is allowed.
 */
export function screenRoute(route: RouteRule, params: Readonly<Record<string, string>>, query: string): ApiError | undefined {
  if (query.length === 0) return undefined;
  const { names, compact } = paramNamesOf(route, params);
  let start = query.charCodeAt(0) === 0x3f ? 1 : 0;
  let equals = -1;
  let escapedName = false;
  for (let i = start; i <= query.length; i++) {
    const code = i === query.length ? 0x26 : query.charCodeAt(i);
    if (code === 0x26 /* & */ || code === 0x3b /* ; some parsers split on it too */) {
      if (i > start) {
        const refused = screenParameter(query, start, equals === -1 ? i : equals, i, escapedName, names, compact, params);
        if (refused) return refused;
      }
      start = i + 1;
      equals = -1;
      escapedName = false;
    } else if (equals === -1) {
      if (code === 0x3d /* = */) equals = i;
      else if (code === 0x25 /* % */) escapedName = true;
    }
  }
  return undefined;
}

function screenParameter(
  query: string,
  start: number,
  nameEnd: number,
  end: number,
  escapedName: boolean,
  names: readonly string[],
  compact: readonly string[],
  params: Readonly<Record<string, string>>,
): ApiError | undefined {
  // The name as an upstream decodes it: read in place unless it holds escapes.
  let name = query;
  let from = start;
  let to = nameEnd;
  if (escapedName) {
    name = decodeLenient(query.slice(start, nameEnd).replaceAll('+', ' '));
    // Fullwidth letters, the Kelvin sign, dotless i, long s: what NFKC and case-insensitive
    // comparisons (Java's equalsIgnoreCase, .NET's OrdinalIgnoreCase) read as ASCII.
    for (let i = 0; i < name.length; i++) {
      if (name.charCodeAt(i) >= 0x80) {
        name = name.normalize('NFKC').toUpperCase().toLowerCase();
        break;
      }
    }
    from = 0;
    to = name.length;
  }
  to = baseNameEnd(name, from, to);
  if (isMethodOverride(name, from, to)) {
    return new ApiError('invalid_request_target', `The ${METHOD_OVERRIDE_PARAM} query parameter (a method override) is not allowed.`);
  }
  for (let p = 0; p < compact.length; p++) {
    if (!sameCompactName(name, from, to, compact[p] as string)) continue;
    const paramName = names[p] as string;
    if (!sameValue(query, nameEnd === end ? end : nameEnd + 1, end, params[paramName] as string)) {
      return new ApiError(
        'invalid_request_target',
        `The query restates the path parameter ${paramName} with another value; the path's value is the one authorized.`,
      );
    }
  }
  return undefined;
}

/** PHP, Rack and qs read `name[...]` as `name` holding an array or map: compare the part before `[`. */
function baseNameEnd(name: string, from: number, to: number): number {
  for (let i = from; i < to; i++) {
    if (name.charCodeAt(i) !== 0x5b) continue;
    for (let j = i + 1; j < to; j++) if (name.charCodeAt(j) === 0x5d) return i;
    return to; // an unmatched `[` is an ordinary character (PHP turns it into `_`)
  }
  return to;
}

/** `_` or what frameworks turn into it (`.`, space or `+`, `[`, `-`), one or more, then `method` in any case. */
function isMethodOverride(name: string, from: number, to: number): boolean {
  let i = from;
  for (; i < to; i++) {
    const code = name.charCodeAt(i);
    if (code !== 0x5f && code !== 0x2e && code !== 0x20 && code !== 0x2b && code !== 0x5b && code !== 0x2d) break;
  }
  if (i === from || to - i !== OVERRIDE_WORD.length) return false;
  for (let j = 0; j < OVERRIDE_WORD.length; j++) {
    let code = name.charCodeAt(i + j);
    if (code >= 0x41 && code <= 0x5a) code |= 0x20;
    if (code !== OVERRIDE_WORD.charCodeAt(j)) return false;
  }
  return true;
}

/** name[from, to) equals `compact` once everything but ASCII letters and digits is dropped and case folded. */
function sameCompactName(name: string, from: number, to: number, compact: string): boolean {
  let j = 0;
  for (let i = from; i < to; i++) {
    let code = name.charCodeAt(i);
    if (code >= 0x41 && code <= 0x5a) code |= 0x20;
    else if (!((code >= 0x61 && code <= 0x7a) || isDigit(code))) continue;
    if (code !== compact.charCodeAt(j)) return false;
    j++;
  }
  return j === compact.length;
}

/** query[from, end) read as `expected` (a canonical path segment) by every decoder. */
function sameValue(query: string, from: number, end: number, expected: string): boolean {
  let escaped = false;
  for (let i = from; i < end; i++) {
    const code = query.charCodeAt(i);
    if (code === 0x2b) return false;
    if (code === 0x25) escaped = true;
  }
  if (!escaped && !expected.includes('%')) return end - from === expected.length && query.startsWith(expected, from);
  try {
    return decodeURIComponent(query.slice(from, end)) === decodeURIComponent(expected);
  } catch {
    return false; // not UTF-8: decoders disagree on what it says
  }
}
