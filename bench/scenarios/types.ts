// The contract between run.ts and a scenario: options in, a markdown body,
// the failures that must make the run exit non-zero, and raw data for the
// JSON file.
import type { BenchContext } from '../context.js';
import type { LoadGenerator } from '../load/types.js';
import type { RoundOptions } from '../rounds.js';

export interface ScenarioOptions extends RoundOptions {
  /** Target ids to run (throughput, pipelining); empty: all. */
  targets: readonly string[];
  /** Keys in the large replica (keys scenario). */
  keys: number;
  /** Revocations to time (revocation scenario). */
  revocations: number;
  /** Another checkout, built, to compare this one with (compare scenario). */
  against?: string;
}

export interface ScenarioOutcome {
  /** Markdown sections after the title and machine section. */
  markdown: string;
  /** Reasons to exit non-zero (request errors, unexpected statuses, broken setup). */
  failures: string[];
  data: unknown;
  /** Replaces the rounds/connections line of the machine section when the scenario generates no load. */
  settingsLine?: string;
}

export type Scenario = (ctx: BenchContext, load: LoadGenerator, options: ScenarioOptions) => Promise<ScenarioOutcome>;
