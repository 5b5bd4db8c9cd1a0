// A fresh temporary directory per test, removed at teardown.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

interface Teardown {
  teardown(fn: () => void | Promise<void>): void;
}

export function tempDir(t: Teardown, label = 'bullseye'): string {
  const dir = mkdtempSync(join(tmpdir(), `${label}-`));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
