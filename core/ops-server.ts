// The operations listener (both planes), separate from the API listeners so probes and
// scrapes never compete with (or get rate limited like) client traffic.
//   /healthz  the process is alive and its event loop turns
//   /readyz   policy loaded, key replica loaded and not stale (with the version running)
//   /metrics  Prometheus text format
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { listenOn } from './listen.js';
import { VERSION } from './version.js';

export interface ReadinessReport {
  ready: boolean;
  checks: Record<string, boolean | number | string | null>;
}

export interface OpsServerDeps {
  readiness(): ReadinessReport;
  /** Served at /metrics in the Prometheus text format. */
  metrics: Registry;
}

export function createOpsServer(deps: OpsServerDeps): {
  listen(port: number, host: string): Promise<AddressInfo>;
  close(): Promise<void>;
} {
  const server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (path === '/metrics' && req.method === 'GET') {
      deps.metrics.metrics().then(
        (text) => {
          res.writeHead(200, { 'content-type': deps.metrics.contentType, 'cache-control': 'no-store' });
          res.end(text);
        },
        () => {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end('metrics collection failed\n');
        },
      );
      return;
    }
    let status = 404;
    let body: unknown = { status: 'not found' };
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      status = 405;
      body = { status: 'method not allowed' };
    } else if (path === '/healthz') {
      status = 200;
      body = { status: 'ok' };
    } else if (path === '/readyz') {
      const report = deps.readiness();
      status = report.ready ? 200 : 503;
      // The version in every process' report: a rollout can be followed from the probes alone.
      body = { status: report.ready ? 'ready' : 'not ready', version: VERSION, checks: report.checks };
    }
    const payload = JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(payload),
      'cache-control': 'no-store',
    });
    res.end(req.method === 'HEAD' ? undefined : payload);
  });
  server.headersTimeout = 5000;
  server.requestTimeout = 10_000;

  return {
    listen: (port, host) => listenOn(server, port, host),
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
