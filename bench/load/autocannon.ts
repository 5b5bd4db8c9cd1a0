// autocannon, the fallback when wrk is missing: it runs inside the harness'
// process (a devDependency, loaded only when used), so it competes with the
// targets for CPU. Its latency histogram has whole-millisecond resolution.
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import type { LoadGenerator, LoadSpec } from './types.js';

export function autocannonGenerator(): LoadGenerator {
  let version = '';
  try {
    version = (createRequire(import.meta.url)('autocannon/package.json') as { version: string }).version;
  } catch {
    throw new Error('neither wrk nor autocannon is installed (npm install, or apt-get install wrk)');
  }
  return {
    name: `autocannon ${version} (in-process)`,
    async run(spec: LoadSpec) {
      const { default: autocannon } = await import('autocannon');
      const randomKey = spec.randomKey;
      const result = await autocannon({
        url: spec.url,
        connections: spec.connections,
        duration: spec.durationSec,
        timeout: 5,
        headers: { ...spec.headers },
        requests: randomKey && [
          {
            setupRequest: (request) => ({
              ...request,
              headers: {
                ...request.headers,
                [randomKey.header]: randomKey.prefix + randomBytes(randomKey.hexLength / 2).toString('hex'),
              },
            }),
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
    },
  };
}
