// The data-plane listener: a node:http server with tight limits for slow or
// greedy clients, the request pipeline, WebSocket upgrades, and a graceful
// close that stops accepting, lets in-flight requests finish (bounded) and
// then cuts what remains.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { answerClientError } from '../core/client-error.js';
import { listenOn } from '../core/listen.js';
import { ApiError } from '../core/errors.js';
import { logProblem, writeProblemToSocket } from '../core/problem.js';
import type { Logger } from '../core/logger.js';
import type { ServerSettings } from '../config/settings-sections.js';
import { createUpstreamPools, type PoolSettings, type UpstreamPools } from './forward/upstream-pools.js';
import type { GatewayMetrics } from './metrics.js';
import type { AdmissionDeps } from './pipeline/admission.js';
import { createRequestHandler } from './pipeline/handle-request.js';
import { createInFlight } from './pipeline/in-flight.js';
import { createUpgradeHandler } from './pipeline/handle-upgrade.js';
import type { UsageSink } from '../core/activity-batcher.js';
import { gracefulClose } from '../core/graceful-close.js';

/** The server settings the listener applies (the shutdown grace is the caller's, at close). */
export type ServerLimits = Omit<ServerSettings, 'shutdownGraceMs'>;

export interface GatewayDeps extends Omit<AdmissionDeps, 'inFlight'> {
  logger: Logger;
  metrics: Pick<GatewayMetrics, 'observe'>;
  /** Where answered requests of authenticated keys are counted (usage per key and hour). */
  usage: UsageSink;
  limits: ServerLimits;
  upstreamPools: PoolSettings;
}

export interface Gateway {
  listen(port: number, host: string): Promise<AddressInfo>;
  /**
   * Stop accepting; tell keep-alive clients the connection is closing (`Connection: close` on every
   * response from now on, quiet connections closed); wait up to graceMs for in-flight requests and
   * tunnels, then cut what remains and close the upstream pools.
   */
  close(graceMs?: number): Promise<void>;
  /** Open or drain upstream pools to match the current policy (call after a reload). */
  syncUpstreams(): void;
  readonly server: Server;
}

export function createGateway(deps: GatewayDeps): Gateway {
  const pools: UpstreamPools = createUpstreamPools(deps.upstreamPools);
  const syncUpstreams = (): void => pools.sync([...deps.policy.current().upstreams.values()].map((upstream) => upstream.origin));
  syncUpstreams();

  // One count per gateway, shared by plain requests and upgrades.
  const inFlight = createInFlight();
  const upgrades = createUpgradeHandler({ ...deps, inFlight });
  const handleRequest = createRequestHandler({ ...deps, inFlight, pools });
  const server = createServer(
    {
      headersTimeout: deps.limits.headersTimeoutMs,
      requestTimeout: deps.limits.requestTimeoutMs,
      keepAliveTimeout: deps.limits.keepAliveTimeoutMs,
      maxHeaderSize: deps.limits.maxHeaderSize,
      // Node enforces headersTimeout and requestTimeout only when it sweeps its connections, every
      // 30 s by default: a 10 s header timeout took effect after 28-34 s. Sweeping every 500 ms (one
      // walk, in C++, of the requests still being received) enforces both at most half a second
      // late; a header timeout under 2 s is swept at a quarter of itself.
      connectionsCheckingInterval: Math.max(10, Math.min(500, Math.floor(deps.limits.headersTimeoutMs / 4))),
      // Node's parser refuses a Content-Length / Transfer-Encoding pair and similar smuggling shapes;
      // clientError below answers those with a problem document. A second Host it keeps quiet
      // about (it keeps the first): admission refuses that.
      requireHostHeader: true,
    },
    handleRequest,
  );
  // Answer `Expect: 100-continue` only once the request is admitted, so a refused client is not
  // invited to send its body (Node would otherwise answer 100 before any check).
  server.on('checkContinue', handleRequest);
  server.maxConnections = deps.limits.maxConnections;
  // Node hides the header fields past about the 1000th from req.headers and rawHeaders (its parser
  // still frames the body with them), so a credential, an override or a Content-Length sent after
  // padding would escape every check. Expose them all: maxHeaderSize already bounds their number.
  server.maxHeadersCount = 0;
  server.on('upgrade', upgrades.handleUpgrade);
  // Without a listener Node drops CONNECT connections without a word; its target is authority-form,
  // never a route, so it gets the same refusal as any other target that is not origin-form.
  server.on('connect', (_req: unknown, socket: Duplex) => {
    socket.on('error', () => socket.destroy());
    const problem = new ApiError('invalid_request_target', 'CONNECT is not supported: the target must be origin-form.');
    logProblem(deps.logger, problem);
    writeProblemToSocket(socket, problem);
  });
  server.on('clientError', answerClientError);
  // Tracks connections from the start, so close() can drain keep-alive clients (core/graceful-close.ts).
  const drain = gracefulClose(server);

  return {
    server,
    syncUpstreams,
    listen: (port, host) => listenOn(server, port, host),
    async close(graceMs = 10_000) {
      await drain.close(graceMs, () => upgrades.close());
      upgrades.close();
      await pools.close();
    },
  };
}
