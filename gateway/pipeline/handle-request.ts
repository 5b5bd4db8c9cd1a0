// HTTP glue around the pipeline: admission (steps 1-5), then forwarding
// (step 6), one access-log line per request, and every failure answered as a
// problem document through core/problem.ts.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isApiError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { logProblem, sendProblem } from '../../core/problem.js';
import { requestIdOf } from '../../core/request-id.js';
import { forward } from '../forward/forward.js';
import type { BodyLimits } from '../forward/request-body.js';
import { identityOf, upstreamRequestHeaders } from '../forward/forward-headers.js';
import type { UpstreamPools } from '../forward/upstream-pools.js';
import type { GatewayMetrics } from '../metrics.js';
import { createAdmission, type Admitted, type AdmissionDeps, type Outcome } from './admission.js';
import type { InFlight } from './in-flight.js';

export interface PipelineDeps extends AdmissionDeps {
  pools: UpstreamPools;
  metrics: Pick<GatewayMetrics, 'observe'>;
  /** Request-body buffering and idle timeout (the server settings). */
  limits: BodyLimits;
}

export function logAccess(logger: Logger, req: IncomingMessage, requestId: string, durationMs: number, outcome: Outcome): void {
  if (!logger.isLevelEnabled('info')) return;
  const key = outcome.key;
  logger.info(
    {
      requestId,
      method: req.method,
      route: outcome.route?.template,
      status: outcome.status,
      keyId: key?.id,
      organizationId: key?.family === 'org' ? key.ownerId : undefined,
      partnerId: key?.family === 'partner' ? key.ownerId : undefined,
      errorCode: outcome.errorCode,
      durationMs: Math.round(durationMs * 100) / 100,
    },
    'request',
  );
}

export const newOutcome = (): Outcome => ({
  route: undefined,
  key: undefined,
  status: 0,
  errorCode: undefined,
  limiterMs: undefined,
  upstreamMs: undefined,
  upstreamFailure: undefined,
  inFlightKeyId: undefined,
});

/** Give back the in-flight slot admission took for this request, once. */
export function releaseInFlight(inFlight: InFlight, outcome: Outcome): void {
  if (outcome.inFlightKeyId === undefined) return;
  inFlight.release(outcome.inFlightKeyId);
  outcome.inFlightKeyId = undefined;
}

/**
 * The request listener. Every failure is answered and logged. Callbacks, not
 * an async function: with a memory limiter a request runs to its forwarding
 * without a promise; with Redis it waits on exactly one (the take's).
 */
export function createRequestHandler(deps: PipelineDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const { logger } = deps;
  const admit = createAdmission(deps);

  return function handleRequest(req, res) {
    const startedAt = performance.now();
    const requestId = requestIdOf(req.headers['x-request-id']);
    const responseHeaders: Record<string, string> = { 'x-request-id': requestId };
    const outcome = newOutcome();

    const finish = (): void => {
      releaseInFlight(deps.inFlight, outcome);
      const durationMs = performance.now() - startedAt;
      logAccess(logger, req, requestId, durationMs, outcome);
      deps.metrics.observe(req.method ?? '', outcome, durationMs);
    };
    const fail = (err: unknown): void => {
      outcome.status = isApiError(err) ? err.status : 500;
      outcome.errorCode = isApiError(err) ? err.code : 'internal';
      logProblem(logger, err, requestId);
      sendProblem(res, err, requestId, responseHeaders);
      finish();
    };
    const proceed = ({ route, pathAndQuery }: Admitted): void => {
      try {
        if (req.headers.expect?.toLowerCase() === '100-continue') res.writeContinue();
        const upstream = route.upstream;
        const headers = upstreamRequestHeaders(req.rawHeaders, identityOf(req, outcome.key, requestId), upstream.forwardKey);
        const forwardedAt = performance.now();
        const pool = deps.pools.get(upstream.origin);
        const timeoutMs = upstream.timeoutMs;
        // After the 100 Continue above: the body is read (or streamed) only once the request is admitted.
        forward({ req, res, pool, pathAndQuery, headers, timeoutMs, responseHeaders, bodyLimits: deps.limits }, (err, status, failure) => {
          if (err) {
            outcome.upstreamFailure = failure;
            return fail(err);
          }
          outcome.status = status;
          outcome.upstreamMs = performance.now() - forwardedAt;
          finish();
        });
      } catch (err) {
        fail(err);
      }
    };

    let admission: Admitted | Promise<Admitted>;
    try {
      admission = admit(req, outcome, responseHeaders);
    } catch (err) {
      return fail(err);
    }
    if (admission instanceof Promise) admission.then(proceed, fail);
    else proceed(admission);
  };
}
