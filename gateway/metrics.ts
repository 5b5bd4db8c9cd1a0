// Prometheus metrics of the data plane. Everything per request is derived
// from the request's GatewayRequest in one call, so the pipeline has one metrics
// hook and no counter calls scattered through it. Labels are bounded by
// construction: route templates from the policy, status classes, a fixed
// list of failure reasons, upstream names; never a raw path or a key id.
// Labelled children are cached so a request costs a few map lookups.
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { FastCounter, FastHistogram, type CounterChild, type HistogramChild } from '../core/fast-metrics.js';
import { VERSION } from '../core/version.js';
import type { UpstreamFailure } from './forward/forward.js';
import type { LimiterCounters, LimiterBackend } from './limiter/types.js';
import type { GatewayRequest } from './pipeline/request-context.js';

/** Auth failure reasons as the metrics name them, by problem code. */
const AUTH_FAILURE_REASONS: Readonly<Record<string, string>> = {
  missing_key: 'missing',
  malformed_key: 'malformed',
  ambiguous_credentials: 'malformed',
  invalid_key: 'unknown',
  key_revoked: 'revoked',
  key_expired: 'expired',
  wrong_organization: 'wrong_organization',
  insufficient_scope: 'missing_scope',
  ip_not_allowed: 'ip_not_allowed',
};

/**
 * Upstream failure kinds by problem code, for exchanges that report only the code (WebSocket
 * upgrades); forwarded requests say how their upstream failed (GatewayRequest.upstreamFailure).
 */
const UPSTREAM_ERRORS: Readonly<Record<string, UpstreamFailure>> = { bad_gateway: 'unreachable', gateway_timeout: 'timeout' };

export interface GatewayStateView {
  limiterBackend(): LimiterBackend;
  limiterCounters(): Readonly<LimiterCounters>;
  replica(): { size: number; seq: number; stale: boolean; lastSyncAgeSeconds: number | null };
  policyHash(): string;
}

export interface GatewayMetrics {
  readonly registry: Registry;
  /** Count one finished request (any status). */
  observe(request: GatewayRequest, durationMs: number): void;
  /** Count one policy reload attempt. */
  policyReload(applied: boolean): void;
}

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export function createGatewayMetrics(state: GatewayStateView): GatewayMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'bullseye_gateway_' });
  const requests = new FastCounter(
    'bullseye_gateway_requests_total',
    'Requests answered, by route template (or "unmatched"), method and status class.',
    registry,
  );
  const duration = new FastHistogram(
    'bullseye_gateway_request_duration_seconds',
    'Time from request to the end of the response, by status class.',
    registry,
    LATENCY_BUCKETS,
  );
  const authFailures = new Counter({
    name: 'bullseye_gateway_auth_failures_total',
    help: 'Refused authentications and authorizations, by reason.',
    labelNames: ['reason'],
    registers: [registry],
  });
  const rateLimited = new Counter({
    name: 'bullseye_gateway_rate_limited_total',
    help: 'Requests refused with 429, by limiter: key (per-key bucket), address (failed-authentication guard) or concurrency (per-key in-flight cap).',
    labelNames: ['limiter'],
    registers: [registry],
  });
  const upstreamDuration = new FastHistogram(
    'bullseye_gateway_upstream_duration_seconds',
    'Time spent forwarding (upstream response fully relayed), by upstream.',
    registry,
    LATENCY_BUCKETS,
  );
  const upstreamErrors = new Counter({
    name: 'bullseye_gateway_upstream_errors_total',
    help: 'Upstream failures, by upstream and kind: unreachable (502, refused or not reached), reset (502, the connection closed or reset, or the body cut short; after the head is relayed the client connection is cut) or timeout (504).',
    labelNames: ['upstream', 'kind'],
    registers: [registry],
  });
  new Gauge({
    name: 'bullseye_gateway_build_info',
    help: 'The running build (value 1), labelled with its version.',
    labelNames: ['version'],
    registers: [registry],
  }).set({ version: VERSION }, 1);
  const reloads = new Counter({
    name: 'bullseye_gateway_policy_reloads_total',
    help: 'Policy reload attempts, by result (ok, failed).',
    labelNames: ['result'],
    registers: [registry],
  });
  new Gauge({
    name: 'bullseye_gateway_policy_info',
    help: 'The policy in force (value 1), labelled with the first 12 hex of its SHA-256.',
    labelNames: ['hash'],
    registers: [registry],
    collect() {
      this.reset();
      this.set({ hash: state.policyHash() }, 1);
    },
  });
  new Gauge({
    name: 'bullseye_gateway_rate_limiter_backend',
    help: 'Which backend answers rate-limit checks (1 for the current one): memory, redis, or fallback (Redis failing).',
    labelNames: ['backend'],
    registers: [registry],
    collect() {
      const current = state.limiterBackend();
      for (const backend of ['memory', 'redis', 'fallback'] as const) this.set({ backend }, backend === current ? 1 : 0);
    },
  });
  new Gauge({
    name: 'bullseye_gateway_rate_limiter_breaker_open',
    help: '1 while the Redis circuit breaker is open (requests answered by the fallback without trying Redis).',
    registers: [registry],
    collect() {
      this.set(state.limiterCounters().breakerOpen ? 1 : 0);
    },
  });
  // The limiter counts its own events; these counters mirror them at scrape time.
  for (const [event, help] of [
    ['redisErrors', 'Redis calls that failed or timed out.'],
    ['fallbacks', 'Requests answered by the in-memory fallback because Redis failed or the breaker was open.'],
    ['localRefusals', 'Requests refused from the over-limit cache without asking Redis.'],
    ['leaseAdmissions', "Requests admitted from this gateway's token leases without asking Redis."],
    ['leasedTokens', 'Tokens Redis leased to this gateway.'],
  ] as const) {
    new Counter({
      name: `bullseye_gateway_rate_limiter_${event.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}_total`,
      help,
      registers: [registry],
      collect() {
        this.reset();
        this.inc(state.limiterCounters()[event]);
      },
    });
  }
  const limiterDuration = new FastHistogram(
    'bullseye_gateway_rate_limiter_duration_seconds',
    'Time a rate-limit check took, by the backend that answered (redis: one round trip).',
    registry,
    [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1],
  );
  new Gauge({
    name: 'bullseye_gateway_replica_keys',
    help: 'Key records in the in-memory replica.',
    registers: [registry],
    collect() {
      this.set(state.replica().size);
    },
  });
  new Gauge({
    name: 'bullseye_gateway_replica_sequence',
    help: 'Change-feed sequence the replica has applied.',
    registers: [registry],
    collect() {
      this.set(state.replica().seq);
    },
  });
  new Gauge({
    name: 'bullseye_gateway_replica_stale',
    help: '1 when the replica has not been confirmed current for sync.staleAfter.',
    registers: [registry],
    collect() {
      this.set(state.replica().stale ? 1 : 0);
    },
  });
  new Gauge({
    name: 'bullseye_gateway_replica_last_sync_age_seconds',
    help: 'Seconds since the last successful sync with the admin (split mode; absent in combined mode).',
    registers: [registry],
    collect() {
      const age = state.replica().lastSyncAgeSeconds;
      this.reset();
      if (age !== null) this.set(age);
    },
  });

  // Children cached by what the request already holds (its route object, its
  // method, the status class digit), so a request builds no label string.
  // A policy reload brings new route objects: the WeakMap lets the old ones
  // go, and child() hands the same series back for the same labels.
  const requestChildren = new WeakMap<object, Map<string, CounterChild[]>>();
  const UNMATCHED = {};
  const durationChildren: HistogramChild[] = [];
  const upstreamChildren = new Map<string, HistogramChild>();
  const limiterChildren = new Map<string, HistogramChild>();

  function requestChild(route: GatewayRequest['route'], method: string, statusDigit: number): CounterChild {
    const routeKey = route ?? UNMATCHED;
    let byMethod = requestChildren.get(routeKey);
    if (!byMethod) requestChildren.set(routeKey, (byMethod = new Map<string, CounterChild[]>()));
    let byStatus = byMethod.get(method);
    if (!byStatus) byMethod.set(method, (byStatus = []));
    return (byStatus[statusDigit] ??= requests.child({
      route: route?.template ?? 'unmatched',
      method,
      status_class: `${statusDigit}xx`,
    }));
  }

  return {
    registry,
    observe(request, durationMs) {
      const method = request.method;
      const statusDigit = Math.floor(request.status / 100);
      requestChild(request.route, method, statusDigit).value += 1;
      (durationChildren[statusDigit] ??= duration.child({ status_class: `${statusDigit}xx` })).observe(durationMs / 1000);

      if (request.limiterMs !== undefined && request.decision !== undefined) {
        const backend = request.decision.backend;
        let limiterChild = limiterChildren.get(backend);
        if (!limiterChild) limiterChildren.set(backend, (limiterChild = limiterDuration.child({ backend })));
        limiterChild.observe(request.limiterMs / 1000);
      }
      const code = request.errorCode;
      if (request.upstreamMs !== undefined && request.route) {
        const name = request.route.upstream.name;
        let upstreamChild = upstreamChildren.get(name);
        if (!upstreamChild) upstreamChildren.set(name, (upstreamChild = upstreamDuration.child({ upstream: name })));
        upstreamChild.observe(request.upstreamMs / 1000);
      }
      if (code === undefined) return;
      const reason = AUTH_FAILURE_REASONS[code];
      if (reason !== undefined) authFailures.inc({ reason });
      else if (code === 'rate_limited') rateLimited.inc({ limiter: 'key' });
      else if (code === 'too_many_failed_authentications') rateLimited.inc({ limiter: 'address' });
      else if (code === 'too_many_concurrent_requests') rateLimited.inc({ limiter: 'concurrency' });
      else if (request.route) {
        const kind = request.upstreamFailure ?? UPSTREAM_ERRORS[code];
        if (kind !== undefined) upstreamErrors.inc({ upstream: request.route.upstream.name, kind });
      }
    },
    policyReload: (applied) => reloads.inc({ result: applied ? 'ok' : 'failed' }),
  };
}
