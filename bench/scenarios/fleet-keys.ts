// Keys for the fleet scenario, created the way an operator's tooling would:
// through the admin API (POST …/api-keys with an admin key), a few requests
// in flight at once, so 1,000 keys take seconds rather than 1,000 CLI starts.
import { BENCH_ORG } from '../context.js';
import { httpCall } from '../http.js';

export interface KeyRequest {
  name: string;
  /** The key's own windows (API form); undefined: the policy's defaults.rateLimit. */
  rateLimits?: readonly { limit: number; duration: number }[];
}

export interface CreatedKey {
  readonly id: string;
  readonly plainKey: string;
}

/** Create every key in `requests` (read scope, BENCH_ORG) with `adminKey`; results in the same order. */
export async function createKeysThroughApi(
  adminOrigin: string,
  adminKey: string,
  requests: readonly KeyRequest[],
  inFlight = 8,
): Promise<CreatedKey[]> {
  const created: CreatedKey[] = new Array<CreatedKey>(requests.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < requests.length) {
      const index = next++;
      const { name, rateLimits } = requests[index] as KeyRequest;
      const answer = await httpCall(`${adminOrigin}/api/v1/organization/${BENCH_ORG}/api-keys`, {
        method: 'POST',
        headers: { 'X-API-Key': adminKey, 'content-type': 'application/json' },
        body: JSON.stringify({ name, scopes: ['read'], ...(rateLimits ? { rateLimits } : {}) }),
      });
      if (answer.status !== 201) throw new Error(`creating key ${name}: status ${answer.status}: ${answer.text.slice(0, 200)}`);
      const body = JSON.parse(answer.text) as { apiKey?: { id?: string }; plainKey?: string };
      if (!body.apiKey?.id || !body.plainKey) throw new Error(`creating key ${name}: no key in ${answer.text.slice(0, 200)}`);
      created[index] = { id: body.apiKey.id, plainKey: body.plainKey };
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return created;
}
