// The shape of a policy file: YAML nodes to a typed draft, one problem per
// wrong value, nothing thrown. Meaning across fields (does that upstream
// exist, may this key family own that path) is policy-compile.ts's job.
import { isMap, isScalar } from 'yaml';
import { parsePattern } from '../core/route-table.js';
import { isScope, SCOPES, type Scope } from '../core/scopes.js';
import { duration, flag, integer, oneOf, origin, text } from './fields.js';
import { quota, rateLimits } from './limit-fields.js';
import { INTERNAL_ADMIN, KEY_CHOICES, METHODS, type KeyChoice, type Method, type QuotaSpec, type RateLimitSpec } from './policy-types.js';
import { describe, MapReader, type Entry, type FieldReader, type Located, type YamlSource } from './yaml-source.js';

export const DEFAULT_RATE_LIMIT: RateLimitSpec = Object.freeze({ requests: 1000, perMs: 60_000 });
/** defaults.rateLimit unless set: one window, DEFAULT_RATE_LIMIT. */
export const DEFAULT_RATE_LIMITS: readonly RateLimitSpec[] = Object.freeze([DEFAULT_RATE_LIMIT]);
export const DEFAULT_TIMEOUT_MS = 30_000;
/** Requests one key may have in flight at once through one gateway (defaults.concurrency). */
export const DEFAULT_CONCURRENCY = 100;

/** Every declared upstream; `origin` is undefined when its URL was invalid (already reported) or it is internal. */
export interface UpstreamDraft {
  readonly name: string;
  readonly origin: string | undefined;
  /** Declared as `admin@internal`: resolved by policy-compile.ts. */
  readonly internal: Located<true> | undefined;
  readonly forwardKey: boolean;
  readonly timeoutMs: number | undefined;
}

export interface RouteDraft {
  readonly method: Method;
  readonly pattern: string;
  readonly paramNames: readonly string[];
  readonly public: boolean;
  readonly scope: Scope | null;
  readonly key: Located<KeyChoice> | undefined;
  readonly upstream: Located<string> | undefined;
  readonly cost: Located<number> | undefined;
  /** The route's own windows (`rateLimit:` in its map form), checked per key beside the key's. */
  readonly rateLimits: Located<readonly RateLimitSpec[]> | undefined;
  /** `websocket: true`: the one kind of route that may open a WebSocket tunnel. */
  readonly websocket: Located<boolean> | undefined;
  readonly entry: Entry;
}

export interface PolicyDraft {
  readonly upstreams: readonly UpstreamDraft[];
  readonly defaults: {
    readonly upstream: Located<string> | undefined;
    readonly key: Located<KeyChoice> | undefined;
    /** Where defaults.rateLimit was written; undefined when it was not (or was invalid, already reported). */
    readonly rateLimits: Located<readonly RateLimitSpec[]> | undefined;
    readonly quota: Located<QuotaSpec> | undefined;
    readonly timeoutMs: number;
    readonly concurrency: number;
  };
  readonly routes: readonly RouteDraft[];
}

const UPSTREAM_NAME = /^[A-Za-z0-9_-]{1,64}$/;
const SCOPE_LIST = SCOPES.join(', ');

const scope: FieldReader<Scope> = (src, entry) => {
  const value = isScalar(entry.value) ? entry.value.value : undefined;
  if (isScope(value)) return value;
  src.problems.add(entry.at, entry.path, `unknown scope ${describe(entry.value)} (known: ${SCOPE_LIST})`);
  return undefined;
};

export function readPolicy(src: YamlSource): PolicyDraft | undefined {
  const root = MapReader.root(src, 'a map with upstreams, defaults and routes');
  if (!root) return undefined;
  const upstreamsEntry = root.get('upstreams');
  const defaultsEntry = root.get('defaults');
  const routesEntry = root.get('routes');
  root.finish();
  for (const [name, entry] of [
    ['upstreams', upstreamsEntry],
    ['routes', routesEntry],
  ] as const) {
    if (!entry) src.problems.add(root.node, name, 'is required');
  }
  return {
    upstreams: upstreamsEntry ? readUpstreams(src, upstreamsEntry) : [],
    defaults: readDefaults(src, defaultsEntry),
    routes: routesEntry ? readRoutes(src, routesEntry) : [],
  };
}

function readUpstreams(src: YamlSource, entry: Entry): UpstreamDraft[] {
  const map = MapReader.of(src, entry, 'a map of upstream names to URLs');
  if (!map) return [];
  const entries = map.entries();
  if (!entries.length) src.problems.add(entry.at, entry.path, 'must name at least one upstream');
  const drafts: UpstreamDraft[] = [];
  for (const item of entries) {
    if (!UPSTREAM_NAME.test(item.key)) {
      src.problems.add(item.keyNode, item.path, 'upstream names are 1-64 letters, digits, _ or -');
    }
    if (!isMap(item.value)) {
      const internal = internalAt(item);
      drafts.push({ name: item.key, origin: internal ? undefined : origin(src, item), internal, forwardKey: false, timeoutMs: undefined });
      continue;
    }
    const spec = MapReader.of(src, item) as MapReader;
    const urlEntry = spec.get('url');
    const internal = urlEntry && internalAt(urlEntry);
    const url = internal ? undefined : spec.need('url', origin);
    const forwardKey = spec.read('forwardKey', flag) ?? false;
    const timeoutMs = spec.read('timeout', duration);
    spec.finish();
    drafts.push({ name: item.key, origin: url, internal, forwardKey, timeoutMs });
  }
  return drafts;
}

/** `admin@internal` where a URL goes: where it was written, for problems about it. */
function internalAt(entry: Entry): Located<true> | undefined {
  return isScalar(entry.value) && entry.value.value === INTERNAL_ADMIN ? { value: true, at: entry.at, path: entry.path } : undefined;
}

function readDefaults(src: YamlSource, entry: Entry | undefined): PolicyDraft['defaults'] {
  const map = entry && MapReader.of(src, entry);
  const defaults = {
    upstream: map?.readAt('upstream', text),
    key: map?.readAt('key', oneOf(KEY_CHOICES)),
    rateLimits: map?.readAt('rateLimit', rateLimits),
    quota: map?.readAt('quota', quota),
    timeoutMs: map?.read('timeout', duration) ?? DEFAULT_TIMEOUT_MS,
    concurrency: map?.read('concurrency', integer(1)) ?? DEFAULT_CONCURRENCY,
  };
  map?.finish();
  return defaults;
}

function readRoutes(src: YamlSource, entry: Entry): RouteDraft[] {
  const map = MapReader.of(src, entry, 'a map of "METHOD /path" to route settings');
  if (!map) return [];
  const entries = map.entries();
  if (!entries.length) src.problems.add(entry.at, entry.path, 'must have at least one route');
  const drafts: RouteDraft[] = [];
  for (const item of entries) {
    const draft = readRoute(src, item);
    if (draft) drafts.push(draft);
  }
  return drafts;
}

/** `METHOD /path` into its parts, or a problem. */
type RouteTarget = Pick<RouteDraft, 'method' | 'pattern' | 'paramNames'>;

function readRouteKey(src: YamlSource, item: Entry): RouteTarget | undefined {
  const space = item.key.indexOf(' ');
  if (space === -1) {
    src.problems.add(item.keyNode, item.path, 'route keys are "METHOD /path", like "GET /status"');
    return undefined;
  }
  const method = item.key.slice(0, space);
  const pattern = item.key.slice(space + 1);
  const parsed = parsePattern(pattern);
  let ok = true;
  if (!METHODS.includes(method as Method)) {
    const upper = METHODS.includes(method.toUpperCase() as Method);
    const hint = upper ? 'methods are upper case' : `known: ${METHODS.join(', ')}`;
    src.problems.add(item.keyNode, item.path, `unknown method "${method}" (${hint})`);
    ok = false;
  }
  if (!parsed.ok) {
    src.problems.add(item.keyNode, item.path, parsed.problem);
    return undefined;
  }
  return ok ? { method: method as Method, pattern, paramNames: parsed.paramNames } : undefined;
}

type RouteSettings = Omit<RouteDraft, 'method' | 'pattern' | 'paramNames' | 'entry'>;
const NO_SETTINGS: RouteSettings = {
  public: false,
  scope: null,
  key: undefined,
  upstream: undefined,
  cost: undefined,
  rateLimits: undefined,
  websocket: undefined,
};

/**
 * A route whose key parsed is kept even when its value is wrong (scope null),
 * so that duplicate and ambiguity checks still see it and report at once.
 */
function readRoute(src: YamlSource, item: Entry): RouteDraft | undefined {
  const target = readRouteKey(src, item);
  const settings = readRouteSettings(src, item);
  return target && { ...target, ...settings, entry: item };
}

function readRouteSettings(src: YamlSource, item: Entry): RouteSettings {
  if (isMap(item.value)) {
    const map = MapReader.of(src, item) as MapReader;
    const isPublic = map.read('public', flag) ?? false;
    const settings: RouteSettings = {
      public: isPublic,
      scope: (isPublic ? map.read('scope', scope) : map.need('scope', scope)) ?? null,
      key: map.readAt('key', oneOf(KEY_CHOICES)),
      upstream: map.readAt('upstream', text),
      cost: map.readAt('cost', integer(1)),
      rateLimits: map.readAt('rateLimit', rateLimits),
      websocket: map.readAt('websocket', flag),
    };
    map.finish();
    return settings;
  }
  const value = isScalar(item.value) ? item.value.value : undefined;
  if (value === 'public') return { ...NO_SETTINGS, public: true };
  if (typeof value === 'string') return { ...NO_SETTINGS, scope: scope(src, item) ?? null };
  const shape = 'a scope name, public, or a map of scope, key, upstream, cost, rateLimit, public, websocket';
  src.problems.add(item.at, item.path, `must be ${shape}, got ${describe(item.value)}`);
  return NO_SETTINGS;
}
