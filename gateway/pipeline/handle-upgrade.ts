// WebSocket upgrades: admitted exactly like any request (steps 1-5, where a
// route without `websocket: true` or a handshake that is not a valid
// WebSocket one is refused before any key is hashed), then forwarded by
// forward-upgrade.ts, which opens a tunnel only on a valid upstream 101. A
// refusal gets the same problem document as a refused request, written on
// the raw socket. The access log and metrics record what the client saw.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { writeProblemToSocket } from '../../core/problem.js';
import { identityOf, upstreamRequestHeaders } from '../forward/forward-headers.js';
import { forwardUpgrade, type Tunnel } from '../forward/forward-upgrade.js';
import type { GatewayMetrics } from '../metrics.js';
import { createAdmission, type Admitted, type AdmissionDeps } from './admission.js';
import type { UsageSink } from '../../core/activity-batcher.js';
import { createFinish, GatewayRequest, recordFailure } from './request-context.js';
import { clientWebSocketKey } from './upgrade-handshake.js';

export interface UpgradeDeps extends AdmissionDeps {
  metrics: Pick<GatewayMetrics, 'observe'>;
  usage: UsageSink;
}

export function createUpgradeHandler(deps: UpgradeDeps): {
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Cut every open tunnel (at shutdown, after the grace period). */
  close(): void;
} {
  const { logger } = deps;
  const admit = createAdmission(deps);
  const finish = createFinish(deps);
  const tunnels = new Set<Tunnel>();

  return {
    handleUpgrade(req, socket, head) {
      // Nothing the client sent after its handshake moves until a tunnel is open.
      socket.pause();
      const request = new GatewayRequest(req);
      socket.on('error', () => socket.destroy());
      const fail = (err: unknown): void => {
        recordFailure(request, err, logger);
        if (request.status === 499) socket.destroy();
        else writeProblemToSocket(socket, err, request.requestId, request.responseHeaders);
        // Read (and drop) what the client still sends, so its close is seen and the socket freed.
        socket.resume();
        finish(request);
      };
      const proceed = ({ route, pathAndQuery, forwardedFor }: Admitted): void => {
        const forwardedAt = performance.now();
        forwardUpgrade(
          {
            socket,
            head,
            origin: route.upstream.origin,
            pathAndQuery,
            headers: upstreamRequestHeaders(
              req.rawHeaders,
              identityOf(req, request.key, request.requestId, forwardedFor),
              route.upstream.forwardKey,
            ),
            clientKey: clientWebSocketKey(req),
            timeoutMs: route.upstream.timeoutMs,
            responseHeaders: request.responseHeaders,
          },
          (result) => {
            if (result.kind === 'failed') return fail(result.error);
            request.status = result.status;
            request.upstreamMs = performance.now() - forwardedAt;
            finish(request);
            if (result.kind !== 'tunnel') return;
            const { tunnel } = result;
            tunnels.add(tunnel);
            void tunnel.closed.then((bytes) => {
              tunnels.delete(tunnel);
              const durationMs = Math.round(performance.now() - request.startedAt);
              logger.info({ requestId: request.requestId, ...bytes, durationMs }, 'websocket closed');
            });
          },
        );
      };
      // The executor turns a synchronous refusal into a rejection, so both land in `fail`.
      new Promise<Admitted>((resolve) => resolve(admit(req, request))).then(proceed, fail).catch(fail);
    },
    close() {
      for (const tunnel of tunnels) tunnel.destroy();
      tunnels.clear();
    },
  };
}
