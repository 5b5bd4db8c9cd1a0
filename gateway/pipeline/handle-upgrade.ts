// WebSocket upgrades: admitted exactly like any request (steps 1-5, where a
// route without `websocket: true` or a handshake that is not a valid
// WebSocket one is refused before any key is hashed), then forwarded by
// forward-upgrade.ts, which opens a tunnel only on a valid upstream 101. A
// refusal gets the same problem document as a refused request, written on
// the raw socket. The access log and metrics record what the client saw.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { isApiError } from '../../core/errors.js';
import { logProblem, writeProblemToSocket } from '../../core/problem.js';
import { requestIdOf } from '../../core/request-id.js';
import { identityOf, upstreamRequestHeaders } from '../forward/forward-headers.js';
import { forwardUpgrade, type Tunnel } from '../forward/forward-upgrade.js';
import type { GatewayMetrics } from '../metrics.js';
import { createAdmission, type Admitted, type AdmissionDeps } from './admission.js';
import { logAccess, newOutcome, releaseInFlight } from './handle-request.js';
import { clientWebSocketKey } from './upgrade-handshake.js';

export interface UpgradeDeps extends AdmissionDeps {
  metrics: Pick<GatewayMetrics, 'observe'>;
}

export function createUpgradeHandler(deps: UpgradeDeps): {
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Cut every open tunnel (at shutdown, after the grace period). */
  close(): void;
} {
  const { logger } = deps;
  const admit = createAdmission(deps);
  const tunnels = new Set<Tunnel>();

  return {
    handleUpgrade(req, socket, head) {
      // Nothing the client sent after its handshake moves until a tunnel is open.
      socket.pause();
      const startedAt = performance.now();
      const requestId = requestIdOf(req.headers['x-request-id']);
      const responseHeaders: Record<string, string> = { 'x-request-id': requestId };
      const outcome = newOutcome();
      socket.on('error', () => socket.destroy());
      const finish = (): void => {
        releaseInFlight(deps.inFlight, outcome);
        const durationMs = performance.now() - startedAt;
        logAccess(logger, req, requestId, durationMs, outcome);
        deps.metrics.observe(req.method ?? 'GET', outcome, durationMs);
      };
      const fail = (err: unknown): void => {
        outcome.status = isApiError(err) ? err.status : 500;
        outcome.errorCode = isApiError(err) ? err.code : 'internal';
        logProblem(logger, err, requestId);
        if (outcome.status === 499) socket.destroy();
        else writeProblemToSocket(socket, err, requestId, responseHeaders);
        // Read (and drop) what the client still sends, so its close is seen and the socket freed.
        socket.resume();
        finish();
      };
      const proceed = ({ route, pathAndQuery }: Admitted): void => {
        const forwardedAt = performance.now();
        forwardUpgrade(
          {
            socket,
            head,
            origin: route.upstream.origin,
            pathAndQuery,
            headers: upstreamRequestHeaders(req.rawHeaders, identityOf(req, outcome.key, requestId), route.upstream.forwardKey),
            clientKey: clientWebSocketKey(req),
            timeoutMs: route.upstream.timeoutMs,
            responseHeaders,
          },
          (result) => {
            if (result.kind === 'failed') return fail(result.error);
            outcome.status = result.status;
            outcome.upstreamMs = performance.now() - forwardedAt;
            finish();
            if (result.kind !== 'tunnel') return;
            const { tunnel } = result;
            tunnels.add(tunnel);
            void tunnel.closed.then((bytes) => {
              tunnels.delete(tunnel);
              logger.info({ requestId, ...bytes, durationMs: Math.round(performance.now() - startedAt) }, 'websocket closed');
            });
          },
        );
      };
      // The executor turns a synchronous refusal into a rejection, so both land in `fail`.
      new Promise<Admitted>((resolve) => resolve(admit(req, outcome, responseHeaders))).then(proceed, fail).catch(fail);
    },
    close() {
      for (const tunnel of tunnels) tunnel.destroy();
      tunnels.clear();
    },
  };
}
