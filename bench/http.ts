// One-off HTTP calls from the harness (probes, smoke checks, the admin API),
// each on a fresh connection with a deadline, so a wedged child fails a check
// instead of hanging the run. Load itself goes through bench/load/.
import { request } from 'undici';

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

export async function httpCall(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string; timeoutMs?: number } = {},
): Promise<HttpAnswer> {
  const timeoutMs = init.timeoutMs ?? 5_000;
  const response = await request(url, {
    method: (init.method ?? 'GET') as 'GET',
    headers: init.headers,
    body: init.body,
    reset: true,
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
  });
  const text = await response.body.text();
  return { status: response.statusCode, headers: response.headers, text };
}

/** True when `url` answers with `status` (any status when omitted); false on connection errors. */
export async function answers(url: string, status?: number): Promise<boolean> {
  try {
    const answer = await httpCall(url, { timeoutMs: 2_000 });
    return status === undefined || answer.status === status;
  } catch {
    return false;
  }
}
