// wrk when installed (C, out of the harness' process), else autocannon in-process.
import type { BenchContext } from '../context.js';
import { autocannonGenerator } from './autocannon.js';
import type { LoadGenerator } from './types.js';
import { findWrk, wrkGenerator } from './wrk.js';

export type LoadChoice = 'auto' | 'wrk' | 'autocannon';

export async function chooseLoadGenerator(ctx: BenchContext, choice: LoadChoice, threads: number): Promise<LoadGenerator> {
  if (choice === 'autocannon') return autocannonGenerator();
  const wrk = findWrk();
  if (wrk) return wrkGenerator(ctx, wrk, threads);
  if (choice === 'wrk') throw new Error('--load wrk: wrk is not installed');
  return autocannonGenerator();
}
