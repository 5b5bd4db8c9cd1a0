// Prometheus metrics of the control plane: its own requests (by route
// template, method and status class: bounded labels only) and the keys it
// holds (by family and status, counted at scrape time).
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { KeyCount } from './store/key-store.js';

export interface AdminMetrics {
  readonly registry: Registry;
  observe(route: string | undefined, method: string, status: number): void;
}

export interface AdminMetricsOptions {
  keyCounts(): KeyCount[];
  /** Register Node process metrics (off when the gateway's registry in the same process has them). */
  processMetrics: boolean;
}

export function createAdminMetrics(options: AdminMetricsOptions): AdminMetrics {
  const registry = new Registry();
  if (options.processMetrics) collectDefaultMetrics({ register: registry, prefix: 'bullseye_admin_' });
  const requests = new Counter({
    name: 'bullseye_admin_requests_total',
    help: 'Admin API requests answered, by route template (or "unmatched"), method and status class.',
    labelNames: ['route', 'method', 'status_class'],
    registers: [registry],
  });
  new Gauge({
    name: 'bullseye_admin_keys',
    help: 'API keys in the database, by family (org, partner) and status (active, revoked).',
    labelNames: ['family', 'status'],
    registers: [registry],
    collect() {
      this.reset();
      for (const family of ['org', 'partner'] as const) {
        for (const status of ['active', 'revoked'] as const) this.set({ family, status }, 0);
      }
      for (const { family, status, count } of options.keyCounts()) this.set({ family, status }, count);
    },
  });
  return {
    registry,
    observe(route, method, status) {
      requests.inc({ route: route ?? 'unmatched', method, status_class: `${Math.floor(status / 100)}xx` });
    },
  };
}
