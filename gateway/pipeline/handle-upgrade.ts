// WebSocket upgrades: admitted exactly like any request (steps 1-5), then the
// connection is handed to http-proxy's `ws()`, which speaks the upgrade
// handshake to the upstream and pipes the two sockets. A refused upgrade gets
// the same problem document as a refused request, written on the raw socket.
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import httpProxy from 'http-proxy';
import { ApiError, isApiError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { writeProblemToSocket } from '../../core/problem.js';
import { requestIdOf } from '../../core/request-id.js';
import { identityOf, upstreamRequestHeaders } from '../forward/forward-headers.js';
import { createAdmission, type Admitted, type AdmissionDeps } from './admission.js';
import type { GatewayMetrics } from '../metrics.js';
import { logAccess, newOutcome } from './handle-request.js';

export interface UpgradeDeps extends AdmissionDeps {
  logger: Logger;
  metrics: Pick<GatewayMetrics, 'observe'>;
}

export function createUpgradeHandler(deps: UpgradeDeps): {
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  close(): void;
} {
  const { logger } = deps;
  const admit = createAdmission(deps);
  const proxy = httpProxy.createProxyServer({ ws: true, xfwd: false, prependPath: false, ignorePath: true });
  // http-proxy rebuilds the outgoing path itself (url.parse, then a join that collapses `//` even in
  // the query); with ignorePath and no prependPath that path is empty, i.e. `/`. Send exactly what
  // was authorized instead, and bound the wait for the upstream's 101 by the upstream's timeout.
  const upgrading = new WeakMap<IncomingMessage, { pathAndQuery: string; timeoutMs: number }>();
  proxy.on('proxyReqWs', (proxyReq, req) => {
    const target = upgrading.get(req);
    if (!target) return;
    proxyReq.path = target.pathAndQuery;
    // http-proxy clears the socket timeout once upgraded (setupSocket), so an idle WebSocket lives on.
    proxyReq.setTimeout(target.timeoutMs, () => {
      proxyReq.destroy(Object.assign(new Error('no 101 from the upstream in time'), { code: 'UPGRADE_TIMEOUT' }));
    });
  });
  // Failures of a ws() call go to its callback below; anything else is only logged.
  proxy.on('error', (err) => logger.warn({ err: String(err) }, 'websocket proxy error'));

  /** Upstream failure: before anything reached the client, a 502/504 problem like any request; after, a cut. */
  const onProxyError = (err: Error, socket: Duplex, requestId: string): void => {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    logger.warn({ err: String(err), code, requestId }, 'websocket proxy error');
    if ((socket as Socket).bytesWritten > 0) {
      socket.destroy();
      return;
    }
    const problem =
      code === 'UPGRADE_TIMEOUT'
        ? new ApiError('gateway_timeout', 'The upstream service did not answer in time.')
        : new ApiError('bad_gateway', 'The upstream service could not be reached.');
    writeProblemToSocket(socket, problem, requestId);
  };

  return {
    handleUpgrade(req, socket, head) {
      const startedAt = performance.now();
      const requestId = requestIdOf(req.headers['x-request-id']);
      const responseHeaders: Record<string, string> = { 'x-request-id': requestId };
      const outcome = newOutcome();
      socket.on('error', () => socket.destroy());
      const finish = (): void => {
        const durationMs = performance.now() - startedAt;
        logAccess(logger, req, requestId, durationMs, outcome);
        deps.metrics.observe(req.method ?? 'GET', outcome, durationMs);
      };
      // The executor turns a synchronous refusal into a rejection, so both land in the handler below.
      new Promise<Admitted>((resolve) => resolve(admit(req, outcome, responseHeaders))).then(
        ({ route, pathAndQuery }) => {
          const forwarded = upstreamRequestHeaders(
            req.rawHeaders,
            identityOf(req, outcome.key, requestId),
            route.upstream.forwardKey,
          );
          // http-proxy builds the upstream request from req.headers: replace them with what was authorized,
          // and put back the two hop-by-hop headers an upgrade needs.
          const headers: Record<string, string> = {};
          for (let i = 0; i < forwarded.length; i += 2) headers[forwarded[i] as string] = forwarded[i + 1] as string;
          headers.connection = 'Upgrade';
          headers.upgrade = req.headers.upgrade ?? 'websocket';
          req.headers = headers;
          outcome.status = 101;
          upgrading.set(req, { pathAndQuery, timeoutMs: route.upstream.timeoutMs });
          proxy.ws(req, socket, head, { target: route.upstream.origin }, (err) => onProxyError(err, socket, requestId));
          finish();
        },
        (err: unknown) => {
          outcome.status = isApiError(err) ? err.status : 500;
          outcome.errorCode = isApiError(err) ? err.code : 'internal';
          if (!isApiError(err)) logger.error({ err }, 'unhandled error in upgrade');
          writeProblemToSocket(socket, err, requestId, responseHeaders);
          finish();
        },
      );
    },
    close: () => proxy.close(),
  };
}
