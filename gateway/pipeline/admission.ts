// Steps 1-5 of the pipeline, shared by plain requests and WebSocket
// upgrades: canonical target, route, credential (and the key's IP
// allowlist), authorization, rate limit.
// Every rejection is an ApiError thrown before a byte reaches an upstream.
// Steps 1-4 are synchronous and allocation-light; step 5 is the only step
// that may wait (one Redis round trip at most). With a limiter that answers
// from memory the whole admission is synchronous: no promise, no microtask.
import type { IncomingMessage } from 'node:http';
import type { LastUsedSink } from '../../core/activity-batcher.js';
import { authorize, type KeyDirectory } from '../../core/auth.js';
import { authenticateCaller, type CallerAuthenticationDeps } from '../../core/authenticate-caller.js';
import type { KeyAuthRecord } from '../../core/key-record.js';
import type { Clock } from '../../core/clock.js';
import { ApiError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { forwardedFor, type ClientAddressOf } from '../../core/request-client.js';
import { canonicalizeTarget } from '../../core/request-target.js';
import type { AuthFailureGuard } from '../limiter/auth-failure-guard.js';
import { setRateLimitHeaders, type RateLimitHeaderOptions } from '../limiter/headers.js';
import type { BucketDecision, LimitDecision, LimitPlan, RateLimiter } from '../limiter/types.js';
import type { InFlight } from './in-flight.js';
import { createLimitPlans } from './limit-plans.js';
import type { GatewayRequest } from './request-context.js';
import type { PolicySource, RouteRule } from './policy-view.js';
import { screenRoute, screenHeaders } from './screen-request.js';
import { screenUpgrade } from './upgrade-handshake.js';

export interface AdmissionDeps {
  policy: PolicySource;
  /** The key replica; `loaded` is false until its first snapshot is complete. */
  keys: KeyDirectory & { readonly loaded: boolean };
  limiter: RateLimiter;
  /** The client address of a request (server.trustedProxies), compiled once per gateway. */
  clientAddressOf: ClientAddressOf;
  authFailures: AuthFailureGuard;
  /** Requests in flight per key (defaults.concurrency); the handler releases the slot when it finishes. */
  inFlight: InFlight;
  clock: Clock;
  logger: Logger;
  lastUsed: LastUsedSink;
  ietfRateLimitHeaders: boolean;
}

export interface Admitted {
  route: RouteRule;
  /** Canonical path and query: exactly what was authorized, and what is forwarded. */
  pathAndQuery: string;
  /** X-Forwarded-For for the upstream: the peer, or the trusted chain from the client (core/request-client.ts). */
  forwardedFor: string;
}

const DE_FACTO_HEADERS_ONLY: RateLimitHeaderOptions = { ietf: false };

export function createAdmission(deps: AdmissionDeps) {
  const { clock } = deps;
  // Built once: the shared authentication step takes it on every request.
  const callerAuthentication: CallerAuthenticationDeps = { keys: deps.keys, clock, authFailures: deps.authFailures, logger: deps.logger };

  const plans = createLimitPlans();

  /** Step 5's verdict on an authenticated request: response headers set, then 429 or admitted. */
  function applyDecision(decision: LimitDecision, request: GatewayRequest, key: KeyAuthRecord, plan: LimitPlan): void {
    request.decision = decision;
    const headerOptions = deps.ietfRateLimitHeaders ? { ietf: true, plan, nowMs: clock.now() } : DE_FACTO_HEADERS_ONLY;
    setRateLimitHeaders(request.responseHeaders, decision, headerOptions);
    if (decision.refusedBy === 'quota') {
      const quota = decision.checks[plan.checks.length - 1] as BucketDecision; // a plan's quota is its last check
      const resetsAt = new Date(quota.resetAtSec * 1000).toISOString();
      throw new ApiError('quota_exceeded', `The quota of this API key is used up until ${resetsAt}.`);
    }
    if (!decision.allowed) throw new ApiError('rate_limited', 'Rate limit exceeded for this API key.');
    deps.lastUsed.touch(key.id, clock.now());
  }

  /**
   * Steps 1-5: the route and canonical target to forward, or a thrown ApiError.
   * Synchronous unless the limiter is remote; then the promise rejects instead.
   */
  return function admit(req: IncomingMessage, request: GatewayRequest): Admitted | Promise<Admitted> {
    const target = canonicalizeTarget(req.url);
    if (!target.ok) throw new ApiError('invalid_request_target', `Request target refused: ${target.reason}.`);
    const refused = screenHeaders(req.rawHeaders);
    if (refused) throw refused;
    const policy = deps.policy.current();
    const match = policy.match(req.method ?? '', target.target.path);
    if (!match) throw new ApiError('route_not_found', 'No route matches this method and path.');
    const route = match.value;
    request.route = route;
    // Both before any key is hashed: cheap refusals of what the route does not allow.
    const upgradeRefused = screenUpgrade(req, route);
    if (upgradeRefused) throw upgradeRefused;
    const routeRefused = screenRoute(route, match.params, target.target.query);
    if (routeRefused) throw routeRefused;
    const clientAddress = deps.clientAddressOf(req);
    const admitted: Admitted = {
      route,
      pathAndQuery: target.target.path + target.target.query,
      forwardedFor: forwardedFor(req, clientAddress),
    };
    if (route.public) return admitted;

    // Before the first snapshot every key would look unknown: say "not ready", not "invalid key".
    if (!deps.keys.loaded) throw new ApiError('not_ready', 'The gateway is still loading API keys.', { headers: { 'retry-after': '1' } });
    // Only the header of the route's family is read: a key in the other one is no key (401 missing_key).
    // A 401 counts against the client address; one over its budget gets 429 instead. Then the key's
    // allowlist: 403 ip_not_allowed, not counted, not a use (core/authenticate-caller.ts).
    const key = authenticateCaller(req.rawHeaders, clientAddress, callerAuthentication, route.family, request);
    const denied = authorize(key, {
      scope: route.scope ?? 'read',
      organizationId: route.organizationParam ? match.params.organization_id : undefined,
      partnerId: route.partnerParam ? match.params.partner_id : undefined,
    });
    if (denied) throw denied;
    // Before the bucket: a request refused for concurrency costs its key no token.
    if (!deps.inFlight.acquire(key.id, policy.concurrency)) {
      throw new ApiError('too_many_concurrent_requests', `This API key already has ${policy.concurrency} requests in flight.`, {
        headers: { 'retry-after': '1' },
      });
    }
    request.inFlightKeyId = key.id;

    const plan = plans.planFor(key, route, policy);
    const limiterStartedAt = performance.now();
    const decision = deps.limiter.take(plan, route.cost);
    if (!(decision instanceof Promise)) {
      request.limiterMs = performance.now() - limiterStartedAt;
      applyDecision(decision, request, key, plan);
      return admitted;
    }
    return decision.then((remote) => {
      request.limiterMs = performance.now() - limiterStartedAt;
      applyDecision(remote, request, key, plan);
      return admitted;
    });
  };
}
