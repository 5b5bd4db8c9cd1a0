// Hot reload of the route policy. The DIRECTORY is watched, not the file:
// editors save by writing a temp file and renaming it over the old one, and
// Kubernetes ConfigMaps swap a `..data` symlink, so events may name another
// file or arrive for an inode that is gone. Any event schedules one debounced
// check; the content hash skips no-op events. An invalid edit is logged and
// the last good policy stays in force; only the initial load may fail (throws).
import { watch, type FSWatcher } from 'node:fs';
import { dirname } from 'node:path';
import { ConfigError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { loadPolicyFile, parsePolicy, readPolicySource, type PolicyContext } from './policy.js';
import type { Policy } from './policy-types.js';

export interface PolicyWatchOptions {
  readonly path: string;
  /** What `admin@internal` means in this process: every load and reload compiles with it. */
  readonly context: PolicyContext;
  readonly logger: Logger;
  /** Called after a new policy is in force. */
  readonly onChange?: (policy: Policy) => void;
  /** Called when an edit is refused (the old policy stays), e.g. to count failed reloads. */
  readonly onError?: (error: ConfigError) => void;
  /** Quiet time after the last file event before the file is read. */
  readonly debounceMs?: number;
}

export interface PolicyWatcher {
  current(): Policy;
  /**
   * Re-read the file now (for SIGHUP). True when a new policy was applied;
   * false when the content is unchanged or invalid (logged).
   */
  reload(): boolean;
  /** Problems in the file on disk at the last look (0: it loads); the policy in force is unaffected. */
  fileProblems(): number;
  close(): void;
}

export function watchPolicy(options: PolicyWatchOptions): PolicyWatcher {
  const { path, logger } = options;
  let policy = loadPolicyFile(path, options.context);
  /** Hash of the last content examined, good or bad: an unrelated event must not re-log a known-bad file. */
  let lastSeen = policy.hash;
  let fileProblems = 0;
  logger.info({ policy: path, hash: policy.hash, routes: policy.routes.length }, 'policy loaded');

  const refuse = (err: unknown): false => {
    fileProblems = err instanceof ConfigError ? Math.max(1, err.problems.length) : 1;
    if (!(err instanceof ConfigError)) {
      // A bug rather than a bad edit; still no reason to stop serving with the policy in force.
      logger.error({ err, policy: path }, 'policy reload failed unexpectedly; keeping the last good policy');
      return false;
    }
    const fields = { policy: path, problems: err.problems, hash: policy.hash };
    logger.warn(fields, 'policy reload refused; keeping the last good policy');
    options.onError?.(err);
    return false;
  };

  const check = (explicit: boolean): boolean => {
    let text: string;
    let hash: string;
    try {
      ({ text, hash } = readPolicySource(path));
    } catch (err) {
      return refuse(err);
    }
    const seenBefore = hash === lastSeen;
    lastSeen = hash;
    if (hash === policy.hash) {
      fileProblems = 0;
      if (explicit) logger.info({ policy: path, hash }, 'policy unchanged');
      return false;
    }
    if (seenBefore && !explicit) return false;
    try {
      const previousHash = policy.hash;
      policy = parsePolicy(text, path, options.context);
      fileProblems = 0;
      logger.info({ policy: path, hash: policy.hash, previousHash, routes: policy.routes.length }, 'policy reloaded');
    } catch (err) {
      return refuse(err);
    }
    try {
      options.onChange?.(policy);
    } catch (err) {
      logger.error({ err }, 'policy onChange listener failed');
    }
    return true;
  };

  let timer: NodeJS.Timeout | undefined;
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dirname(path), () => {
      clearTimeout(timer);
      timer = setTimeout(() => check(false), options.debounceMs ?? 100);
    });
    watcher.on('error', (err) => {
      logger.error({ err, policy: path }, 'policy file watch failed; send SIGHUP to reload');
    });
  } catch (err) {
    // E.g. the inotify watch limit: serving matters more than auto-reload, and SIGHUP still works.
    logger.warn({ err, policy: path }, 'cannot watch the policy file; send SIGHUP to reload');
  }

  return {
    current: () => policy,
    reload: () => check(true),
    fileProblems: () => fileProblems,
    /** Stops watching; the watcher otherwise keeps the process alive. */
    close: () => {
      clearTimeout(timer);
      watcher?.close();
    },
  };
}
