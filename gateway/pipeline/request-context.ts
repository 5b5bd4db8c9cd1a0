// One gateway request's state, in one object, and its one way out. The HTTP
// and upgrade handlers each make a GatewayRequest when a request arrives;
// admission and forwarding fill it in; every request ends in `finish`
// (after `recordFailure` when it failed), which gives back its in-flight slot,
// counts it for its key's usage and writes its access-log line and metrics.
import type { IncomingMessage } from 'node:http';
import type { UsageSink } from '../../core/activity-batcher.js';
import type { Clock } from '../../core/clock.js';
import { isApiError } from '../../core/errors.js';
import { usageOutcomeOf } from '../../core/key-activity.js';
import type { KeyAuthRecord } from '../../core/key-record.js';
import type { Logger } from '../../core/logger.js';
import { logProblem } from '../../core/problem.js';
import { logAccess, type RequestContext } from '../../core/request-context.js';
import { requestIdOf } from '../../core/request-id.js';
import type { UpstreamFailure } from '../forward/forward.js';
import type { LimitDecision } from '../limiter/types.js';
import type { InFlight } from './in-flight.js';
import type { RouteRule } from './policy-view.js';

export class GatewayRequest implements RequestContext {
  readonly requestId: string;
  readonly method: string;
  readonly startedAt = performance.now();
  /** Headers every answer to this request carries: the request id, then the rate-limit headers. */
  readonly responseHeaders: Record<string, string>;
  route: RouteRule | undefined = undefined;
  key: KeyAuthRecord | undefined = undefined;
  status = 0;
  errorCode: string | undefined = undefined;
  /** Step 5's decision, when the rate limit was checked: it says which backend answered. */
  decision: LimitDecision | undefined = undefined;
  /** Time the rate-limit check took, when one ran. */
  limiterMs: number | undefined = undefined;
  /** Time spent forwarding, when the request was forwarded. */
  upstreamMs: number | undefined = undefined;
  /** How the upstream failed, when the failure was its own (the status alone cannot tell a reset from a refusal). */
  upstreamFailure: UpstreamFailure | undefined = undefined;
  /** The key whose in-flight slot this request holds, until `finish` gives it back. */
  inFlightKeyId: string | undefined = undefined;

  constructor(req: IncomingMessage) {
    this.requestId = requestIdOf(req.headers['x-request-id']);
    this.method = req.method ?? '';
    this.responseHeaders = { 'x-request-id': this.requestId };
  }

  get routeTemplate(): string | undefined {
    return this.route?.template;
  }
}

export interface FinishDeps {
  logger: Logger;
  inFlight: InFlight;
  /** Where an answered request of an authenticated key is counted, per hour and outcome. */
  usage: UsageSink;
  clock: Clock;
  /** gateway/metrics.ts' observe: counts one finished request. */
  metrics: { observe(request: GatewayRequest, durationMs: number): void };
}

/** Note why a request failed (its status and code) and log the failure; the handler then answers it and calls `finish`. */
export function recordFailure(request: GatewayRequest, err: unknown, logger: Logger): void {
  request.status = isApiError(err) ? err.status : 500;
  request.errorCode = isApiError(err) ? err.code : 'internal';
  logProblem(logger, err, request.requestId);
}

/** The one exit, called once per request: the in-flight slot back, the key's usage, one access-log line, the metrics. */
export function createFinish({ logger, inFlight, usage, clock, metrics }: FinishDeps): (request: GatewayRequest) => void {
  return (request) => {
    if (request.inFlightKeyId !== undefined) {
      inFlight.release(request.inFlightKeyId);
      request.inFlightKeyId = undefined;
    }
    if (request.key !== undefined) {
      const outcome = usageOutcomeOf(request.status, request.errorCode !== undefined);
      if (outcome !== undefined) usage.count(request.key.id, clock.now(), outcome);
    }
    const durationMs = performance.now() - request.startedAt;
    logAccess(logger, request, durationMs);
    metrics.observe(request, durationMs);
  };
}
