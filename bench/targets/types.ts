// A target is something the load generator can hit: its URL, the headers a
// request carries, what a correct answer looks like, and optional counters
// read before and after each round (Redis commands). Preparing one either
// yields it or says why it is not available, so a missing nginx or an unbuilt
// gateway becomes a row in the table, not a crash.

export interface Target {
  readonly id: string;
  readonly label: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  /** Status of a correct answer (default 200), checked by one request before load. */
  readonly expectStatus?: number;
  /** Response headers a correct answer must carry (same check). */
  readonly expectHeaders: readonly string[];
  /** A line for the report under the table (e.g. what one request costs Redis). */
  readonly detail?: string;
  /** The process' log file, scanned for warnings after the rounds. */
  readonly logPath?: string;
  /** Cumulative counters by name; the harness reports their growth per request. */
  readonly counters?: () => Promise<Record<string, number>>;
}

export type Prepared = { ok: true; target: Target } | { ok: false; id: string; label: string; reason: string };

export const unavailable = (id: string, label: string, reason: string): Prepared => ({ ok: false, id, label, reason });
