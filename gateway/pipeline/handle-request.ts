// HTTP glue around the pipeline: admission (steps 1-5), then forwarding
// (step 6), every failure answered as a problem document through
// core/problem.ts, and every request ended by request-context.ts' finish.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { UsageSink } from '../../core/activity-batcher.js';
import { sendProblem } from '../../core/problem.js';
import { forward } from '../forward/forward.js';
import type { BodyLimits } from '../forward/request-body.js';
import { identityOf, upstreamRequestHeaders } from '../forward/forward-headers.js';
import type { UpstreamPools } from '../forward/upstream-pools.js';
import type { GatewayMetrics } from '../metrics.js';
import { createAdmission, type Admitted, type AdmissionDeps } from './admission.js';
import { createFinish, GatewayRequest, recordFailure } from './request-context.js';

export interface PipelineDeps extends AdmissionDeps {
  pools: UpstreamPools;
  metrics: Pick<GatewayMetrics, 'observe'>;
  usage: UsageSink;
  /** Request-body buffering and idle timeout (the server settings). */
  limits: BodyLimits;
}

/**
 * The request listener. Every failure is answered and logged. Callbacks, not
 * an async function: with a memory limiter a request runs to its forwarding
 * without a promise; with Redis it waits on exactly one (the take's).
 */
export function createRequestHandler(deps: PipelineDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const { logger } = deps;
  const admit = createAdmission(deps);
  const finish = createFinish(deps);

  return function handleRequest(req, res) {
    const request = new GatewayRequest(req);
    const fail = (err: unknown): void => {
      recordFailure(request, err, logger);
      sendProblem(res, err, request.requestId, request.responseHeaders);
      finish(request);
    };
    const proceed = ({ route, pathAndQuery, forwardedFor }: Admitted): void => {
      try {
        if (req.headers.expect?.toLowerCase() === '100-continue') res.writeContinue();
        const upstream = route.upstream;
        const headers = upstreamRequestHeaders(
          req.rawHeaders,
          identityOf(req, request.key, request.requestId, forwardedFor),
          upstream.forwardKey,
        );
        const forwardedAt = performance.now();
        const pool = deps.pools.get(upstream.origin);
        const timeoutMs = upstream.timeoutMs;
        const responseHeaders = request.responseHeaders;
        // After the 100 Continue above: the body is read (or streamed) only once the request is admitted.
        forward({ req, res, pool, pathAndQuery, headers, timeoutMs, responseHeaders, bodyLimits: deps.limits }, (err, status, failure) => {
          if (err) {
            request.upstreamFailure = failure;
            return fail(err);
          }
          request.status = status;
          request.upstreamMs = performance.now() - forwardedAt;
          finish(request);
        });
      } catch (err) {
        fail(err);
      }
    };

    let admission: Admitted | Promise<Admitted>;
    try {
      admission = admit(req, request);
    } catch (err) {
      return fail(err);
    }
    if (admission instanceof Promise) admission.then(proceed, fail);
    else proceed(admission);
  };
}
