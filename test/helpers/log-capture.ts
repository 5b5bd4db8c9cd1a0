// A real pino logger (with the production redaction config) writing to memory,
// so tests can assert what was, and was not, logged.
import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../core/logger.js';

export interface CapturedLog {
  logger: Logger;
  /** Everything logged so far, one JSON line per entry. */
  text(): string;
  entries(): Record<string, unknown>[];
}

export function captureLogs(level = 'trace'): CapturedLog {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  const logger = createLogger({ level, destination });
  const text = () => chunks.join('');
  return {
    logger,
    text,
    entries: () =>
      text()
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}
