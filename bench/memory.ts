// Memory of a child process, seen from outside: VmRSS from /proc (Linux), and
// heap after a full GC from bench/probes/memory-probe.ts when the child was
// started with it.
import { readFileSync } from 'node:fs';
import type { ChildProcess } from 'node:child_process';

export interface MemorySample {
  /** Resident set size in bytes (/proc/<pid>/status VmRSS), or NaN where /proc is missing. */
  rss: number;
  /** process.memoryUsage().heapUsed after gc(), or NaN without the probe. */
  heapUsed: number;
}

export function vmRss(pid: number): number {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

export function probedHeap(child: ChildProcess, timeoutMs = 10_000): Promise<number> {
  if (!child.connected) return Promise.resolve(Number.NaN);
  return new Promise((resolve) => {
    const onMessage = (message: unknown): void => {
      const usage = (message as { type?: string; usage?: NodeJS.MemoryUsage }).usage;
      if ((message as { type?: string }).type !== 'bench:memory' || !usage) return;
      done(usage.heapUsed);
    };
    const done = (value: number): void => {
      clearTimeout(timer);
      child.off('message', onMessage);
      resolve(value);
    };
    const timer = setTimeout(() => done(Number.NaN), timeoutMs);
    child.on('message', onMessage);
    child.send('bench:memory');
  });
}

export async function sampleMemory(child: ChildProcess): Promise<MemorySample> {
  const heapUsed = await probedHeap(child);
  return { rss: child.pid === undefined ? Number.NaN : vmRss(child.pid), heapUsed };
}
