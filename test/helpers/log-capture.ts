// A real pino logger (with the production redaction config) writing to memory,
// so tests can assert what was, and was not, logged.
import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../core/logger.js';

export interface CapturedLog {
  logger: Logger;
  /** Everything logged so far, one JSON line per entry. */
  text(): string;
  entries(): Record<string, unknown>[];
  /** The first entry that matches, logged before or after the call: resolves when it is written. */
  entry(matches: (entry: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
}

export function captureLogs(level = 'trace'): CapturedLog {
  const chunks: string[] = [];
  const waiters = new Set<() => void>();
  const destination = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(String(chunk));
      for (const check of waiters) check();
      done();
    },
  });
  const logger = createLogger({ level, destination });
  const text = () => chunks.join('');
  const entries = () =>
    text()
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return {
    logger,
    text,
    entries,
    entry: (matches) =>
      new Promise((resolve) => {
        const check = (): void => {
          const found = entries().find(matches);
          if (found === undefined) return;
          waiters.delete(check);
          resolve(found);
        };
        waiters.add(check);
        check();
      }),
  };
}
