// What every scenario and target needs from the run: the process group its
// children join, a scratch folder (logs, databases, configs), where the built
// files are, and a progress logger (stderr, so stdout stays the report).
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { ProcessGroup } from './processes.js';

export interface BenchContext {
  readonly group: ProcessGroup;
  /** Scratch folder of this run; child logs are `<workDir>/<name>.log`. */
  readonly workDir: string;
  readonly repoRoot: string;
  /** dist/bench: the compiled harness, whose servers/ the children run. */
  readonly benchDist: string;
  /** dist/cli.js: the gateway's command line. */
  readonly cliPath: string;
  /** Extra node flags for gateway processes (e.g. --cpu-prof). */
  readonly gatewayNodeArgs: readonly string[];
  /** True when processes marked under test run on their own CPU (--pin). */
  readonly pinned: boolean;
  log(message: string): void;
}

/** The request every scenario sends: a matched route that needs a read key. */
export const BENCH_ORG = 'bench-org';
export const BENCH_PATH = `/api/v1/organization/${BENCH_ORG}/visitors`;

/** Absolute path of `name` on PATH or in the sbin folders (nginx often lives there), else undefined. */
export function findExecutable(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin', '/sbin'];
  for (const dir of dirs) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}
