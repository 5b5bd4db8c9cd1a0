// HTTP glue around the pipeline: admission (steps 1-5), then forwarding
// (step 6), one access-log line per request, and every failure answered as a
// problem document through core/problem.ts.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isApiError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { sendProblem } from '../../core/problem.js';
import { requestIdOf } from '../../core/request-id.js';
import { forward } from '../forward/forward.js';
import { upstreamRequestHeaders } from '../forward/forward-headers.js';
import type { UpstreamPools } from '../forward/upstream-pools.js';
import { createAdmission, type AdmissionDeps, type Outcome } from './admission.js';

export interface PipelineDeps extends AdmissionDeps {
  pools: UpstreamPools;
  logger: Logger;
}

export function logAccess(
  logger: Logger,
  req: IncomingMessage,
  requestId: string,
  startedAt: number,
  outcome: Outcome,
): void {
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
      durationMs: Math.round((performance.now() - startedAt) * 100) / 100,
    },
    'request',
  );
}

export const newOutcome = (): Outcome => ({ route: undefined, key: undefined, status: 0, errorCode: undefined });

export function createRequestHandler(deps: PipelineDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const { logger } = deps;
  const admit = createAdmission(deps);

  return function handleRequest(req, res) {
    const startedAt = performance.now();
    const requestId = requestIdOf(req.headers['x-request-id']);
    const responseHeaders: Record<string, string> = { 'x-request-id': requestId };
    const outcome = newOutcome();

    admit(req, outcome, responseHeaders)
      .then(async ({ route, pathAndQuery }) => {
        if (req.headers.expect?.toLowerCase() === '100-continue') res.writeContinue();
        const upstream = route.upstream;
        const headers = upstreamRequestHeaders(
          req.rawHeaders,
          {
            key: outcome.key,
            requestId,
            clientAddress: req.socket.remoteAddress ?? '',
            protocol: 'encrypted' in req.socket && req.socket.encrypted ? 'https' : 'http',
            host: req.headers.host,
          },
          upstream.forwardKey,
        );
        outcome.status = await forward({
          req,
          res,
          pool: deps.pools.get(upstream.origin),
          pathAndQuery,
          headers,
          timeoutMs: upstream.timeoutMs,
          responseHeaders,
        });
      })
      .catch((err: unknown) => {
        outcome.status = isApiError(err) ? err.status : 500;
        outcome.errorCode = isApiError(err) ? err.code : 'internal';
        sendProblem(res, err, logger, requestId, responseHeaders);
      })
      .finally(() => logAccess(logger, req, requestId, startedAt, outcome));
  };
}
