// Real faults for the admin's SQLite file, as root (tests run as root, and
// root ignores permissions): a full disk is a small tmpfs filled up with a
// filler file (removed to recover). Plus a seeded database to point a service at.
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createManualClock } from '../../core/clock.js';
import { openStore } from '../../admin/store/key-store.js';
import { createTestKey } from './keys.js';
import { captureLogs } from './log-capture.js';
import { tempDir } from './temp.js';

interface TestLike {
  teardown(fn: () => void | Promise<void>): void;
}

export const isRoot = process.getuid?.() === 0;

/** Whether `cmd args` runs and exits 0. */
export const works = (cmd: string, args: string[]): boolean => spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;

/** Whether this machine lets the tests mount a tmpfs (root in a container may not). */
export function tmpfsAllowed(): boolean {
  const dir = mkdtempSync(join(tmpdir(), 'bullseye-mount-'));
  const ok = isRoot && works('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir]);
  if (ok) spawnSync('umount', [dir]);
  rmSync(dir, { recursive: true, force: true });
  return ok;
}

/** A tmpfs of `size` at a fresh folder, unmounted at teardown. */
export function smallDisk(t: TestLike, size: string): string {
  const dir = tempDir(t, 'bullseye-disk');
  if (!works('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir])) throw new Error(`cannot mount a tmpfs at ${dir}`);
  t.teardown(() => void spawnSync('umount', [dir]));
  return dir;
}

/** Write a filler file until the disk is full (ENOSPC); returns its path. */
export function fillDisk(dir: string): string {
  const path = join(dir, 'filler');
  const fd = openSync(path, 'w');
  const chunk = Buffer.alloc(64 * 1024, 1);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  } finally {
    closeSync(fd);
  }
  return path;
}

/** A fresh database with one admin key of organization acme; returns the key's plain value. */
export function seedDatabase(path: string): string {
  const store = openStore({ path, clock: createManualClock(), logger: captureLogs().logger });
  try {
    return createTestKey(store, { org: 'acme' }).plainKey;
  } finally {
    store.close();
  }
}
