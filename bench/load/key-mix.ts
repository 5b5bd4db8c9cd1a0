// Load with a different key on every request, counted per key on the load
// side: autocannon in the harness' process, because it tells which request a
// response answers (a connection's context carries the key it chose; wrk's
// response callback cannot say which request it belongs to). Several runs at
// once (one per gateway) add to the same counts.
import { performance } from 'node:perf_hooks';
import type { LoadResult } from './types.js';

export interface KeyMixCounts {
  /** Requests answered, per key index. */
  readonly answered: Uint32Array;
  /** 2xx answers: requests the fleet admitted. */
  readonly admitted: Uint32Array;
  /** 429 answers. */
  readonly limited: Uint32Array;
  /**
   * performance.now() when the first request was built and the last answer came: every
   * admitted request took its tokens in between.
   */
  readonly span: { firstBuiltMs: number; lastAnsweredMs: number };
}

export const keyMixCounts = (keys: number): KeyMixCounts => ({
  answered: new Uint32Array(keys),
  admitted: new Uint32Array(keys),
  limited: new Uint32Array(keys),
  span: { firstBuiltMs: Infinity, lastAnsweredMs: -Infinity },
});

export interface KeyMixSpec {
  url: string;
  /** Header carrying the key, and the plain keys by index. */
  header: string;
  keys: readonly string[];
  /** Index of the key the next request carries. */
  pick: () => number;
  connections: number;
  durationSec: number;
}

interface Context {
  key?: number;
}

export async function runKeyMix(spec: KeyMixSpec, counts: KeyMixCounts): Promise<LoadResult> {
  const { default: autocannon } = await import('autocannon');
  const result = await autocannon({
    url: spec.url,
    connections: spec.connections,
    duration: spec.durationSec,
    timeout: 5,
    requests: [
      {
        // autocannon clears the context before each request it builds, and a
        // connection's response arrives before its next request is built.
        setupRequest: (request, context) => {
          if (counts.span.firstBuiltMs === Infinity) counts.span.firstBuiltMs = performance.now();
          const key = spec.pick();
          (context as Context).key = key;
          return { ...request, headers: { ...request.headers, [spec.header]: spec.keys[key] as string } };
        },
        onResponse: (status, _body, context) => {
          const key = (context as Context).key;
          if (key === undefined) return;
          counts.span.lastAnsweredMs = performance.now();
          counts.answered[key]!++;
          if (status >= 200 && status < 300) counts.admitted[key]!++;
          else if (status === 429) counts.limited[key]!++;
        },
      },
    ],
  });
  const statuses: Record<string, number> = {};
  for (const [status, { count }] of Object.entries(result.statusCodeStats)) statuses[status] = Number(count);
  const requests = result.requests.total;
  return {
    requests,
    durationSec: result.duration,
    rps: requests / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors,
    non2xx: result.non2xx,
    statuses,
  };
}

/** `hot` keys (indexes 0…hot-1) take `hotShare` of the requests, the rest spread evenly over the others. */
export function hotColdPicker(hot: number, total: number, hotShare: number): () => number {
  const cold = total - hot;
  return () => (Math.random() < hotShare ? Math.floor(Math.random() * hot) : hot + Math.floor(Math.random() * cold));
}
