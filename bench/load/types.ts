// One load run against one URL, whatever generates it.

export interface LoadSpec {
  url: string;
  headers: Readonly<Record<string, string>>;
  connections: number;
  durationSec: number;
  /** Send a fresh random well-formed key in this header on every request (bad-key flood). */
  randomKey?: { header: string; prefix: string; hexLength: number };
  /** Count responses per status (slower for wrk: a Lua callback per response). */
  countStatuses?: boolean;
}

export interface LoadResult {
  /** Completed responses. */
  requests: number;
  durationSec: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  /** Connection errors, timeouts, resets. */
  errors: number;
  /** Responses outside 2xx (wrk: outside 2xx and 3xx). */
  non2xx: number;
  /** Responses per status, when counted. */
  statuses?: Record<string, number>;
}

export interface LoadGenerator {
  /** Name and version, for the report. */
  readonly name: string;
  run(spec: LoadSpec): Promise<LoadResult>;
}
