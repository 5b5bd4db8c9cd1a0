// Steps 1-5 of the pipeline, shared by plain requests and WebSocket
// upgrades: canonical target, route, credential, authorization, rate limit.
// Every rejection is an ApiError thrown before a byte reaches an upstream.
// Steps 1-4 are synchronous and allocation-light; step 5 is the only step
// that may wait (one Redis round trip at most). With a limiter that answers
// from memory the whole admission is synchronous: no promise, no microtask.
import type { IncomingMessage } from 'node:http';
import { authenticate, authorize, readCredential, type KeyAuthRecord, type KeyDirectory } from '../../core/auth.js';
import type { Clock } from '../../core/clock.js';
import { ApiError, isApiError } from '../../core/errors.js';
import { canonicalizeTarget } from '../../core/request-target.js';
import type { AuthFailureGuard } from '../limiter/auth-failure-guard.js';
import { setRateLimitHeaders, type RateLimitHeaderOptions } from '../limiter/headers.js';
import type { LimitDecision, RateLimiter, RateLimitSpec } from '../limiter/types.js';
import type { PolicySource, RouteRule } from './policy-view.js';

export interface AdmissionDeps {
  policy: PolicySource;
  /** The key replica; `loaded` is false until its first snapshot is complete. */
  keys: KeyDirectory & { readonly loaded: boolean };
  limiter: RateLimiter;
  authFailures: AuthFailureGuard;
  clock: Clock;
  lastUsed: { touch(keyId: string, atMs: number): void };
  ietfRateLimitHeaders: boolean;
}

/** Filled in as admission proceeds, so the access log knows how far a request got. */
export interface Outcome {
  route: RouteRule | undefined;
  key: KeyAuthRecord | undefined;
  status: number;
  errorCode: string | undefined;
  /** Time the rate-limit check took, when one ran. */
  limiterMs: number | undefined;
  /** Time spent forwarding, when the request was forwarded. */
  upstreamMs: number | undefined;
}

export interface Admitted {
  route: RouteRule;
  /** Canonical path and query: exactly what was authorized, and what is forwarded. */
  pathAndQuery: string;
}

/** Headers that let a client ask an upstream framework to treat a POST as another method. */
const METHOD_OVERRIDE_HEADERS: ReadonlySet<string> = new Set(['x-http-method-override', 'x-http-method', 'x-method-override']);

/**
 * One pass over the raw header list: a second Host (RFC 9112 §3.2; Node keeps
 * the first and says nothing, an upstream might keep the last) and
 * method-override headers are refused. Returns the reason, or undefined.
 */
function screenHeaders(rawHeaders: readonly string[]): string | undefined {
  let hosts = 0;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] as string;
    if (name.length === 4) {
      if (name.toLowerCase() === 'host' && ++hosts > 1) return 'The Host header was sent more than once.';
    } else if (name.length >= 13 && name.length <= 22 && METHOD_OVERRIDE_HEADERS.has(name.toLowerCase())) {
      return `The ${name} header is not allowed.`;
    }
  }
  return undefined;
}

const DE_FACTO_HEADERS_ONLY: RateLimitHeaderOptions = { ietf: false };

export function createAdmission(deps: AdmissionDeps) {
  const { clock } = deps;

  /** Step 5's verdict on an authenticated request: response headers set, then 429 or admitted. */
  function applyDecision(
    decision: LimitDecision,
    key: KeyAuthRecord,
    rateLimit: RateLimitSpec,
    responseHeaders: Record<string, string>,
  ): void {
    const headerOptions = deps.ietfRateLimitHeaders ? { ietf: true, spec: rateLimit, nowMs: clock.now() } : DE_FACTO_HEADERS_ONLY;
    setRateLimitHeaders(responseHeaders, decision, headerOptions);
    if (!decision.allowed) throw new ApiError('rate_limited', 'Rate limit exceeded for this API key.');
    deps.lastUsed.touch(key.id, clock.now());
  }

  /**
   * Steps 1-5: the route and canonical target to forward, or a thrown ApiError.
   * Synchronous unless the limiter is remote; then the promise rejects instead.
   */
  return function admit(
    req: IncomingMessage,
    outcome: Outcome,
    responseHeaders: Record<string, string>,
  ): Admitted | Promise<Admitted> {
    const target = canonicalizeTarget(req.url);
    if (!target.ok) throw new ApiError('invalid_request_target', `Request target refused: ${target.reason}.`);
    const refused = screenHeaders(req.rawHeaders);
    if (refused) throw new ApiError('invalid_header', refused);
    const policy = deps.policy.current();
    const match = policy.match(req.method ?? '', target.target.path);
    if (!match) throw new ApiError('route_not_found', 'No route matches this method and path.');
    const route = match.value;
    outcome.route = route;
    const admitted: Admitted = { route, pathAndQuery: target.target.path + target.target.query };
    if (route.public) return admitted;

    const address = req.socket.remoteAddress ?? 'unknown';
    const blocked = deps.authFailures.isBlocked(address);
    if (blocked) {
      throw new ApiError('too_many_failed_authentications', 'Too many failed authentications from this address.', {
        headers: { 'retry-after': String(blocked.retryAfterSec) },
      });
    }
    // Before the first snapshot every key would look unknown: say "not ready", not "invalid key".
    if (!deps.keys.loaded) throw new ApiError('not_ready', 'The gateway is still loading API keys.', { headers: { 'retry-after': '1' } });
    const credential = readCredential(req.rawHeaders);
    const key =
      credential === undefined
        ? new ApiError('missing_key', 'This endpoint requires an API key in X-API-Key or X-Partner-API-Key.')
        : isApiError(credential)
          ? credential
          : authenticate(credential, deps.keys, clock);
    if (isApiError(key)) {
      if (key.status === 401) deps.authFailures.recordFailure(address);
      throw key;
    }
    outcome.key = key;
    const denied = authorize(key, {
      family: route.family,
      scope: route.scope ?? 'read',
      organizationId: route.organizationParam ? match.params.organization_id : undefined,
      partnerId: route.partnerParam ? match.params.partner_id : undefined,
    });
    if (denied) throw denied;

    const rateLimit = policy.rateLimit;
    const limiterStartedAt = performance.now();
    const decision = deps.limiter.take(key.id, route.cost, rateLimit);
    if (!(decision instanceof Promise)) {
      outcome.limiterMs = performance.now() - limiterStartedAt;
      applyDecision(decision, key, rateLimit, responseHeaders);
      return admitted;
    }
    return decision.then((remote) => {
      outcome.limiterMs = performance.now() - limiterStartedAt;
      applyDecision(remote, key, rateLimit, responseHeaders);
      return admitted;
    });
  };
}
