// The logger factory. One pino instance is created at start-up and passed
// down; children add request and key ids. Credential headers and plain keys
// are redacted by configuration, so a careless `log.info({ req })` cannot leak
// a key (test/core/logger.test.ts proves it).
import { IncomingMessage, ServerResponse } from 'node:http';
import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import { systemClock, type Clock } from './clock.js';

export type { Logger } from 'pino';

export const REDACTED_PATHS: readonly string[] = [
  'req.headers["x-api-key"]',
  'req.headers["x-partner-api-key"]',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.rawHeaders',
  'rawHeaders',
  'headers["x-api-key"]',
  'headers["x-partner-api-key"]',
  'headers.authorization',
  'plainKey',
  '*.plainKey',
  'key',
  'apiKey',
  'syncToken',
];

export interface LoggerSettings {
  level?: string;
  name?: string;
  destination?: DestinationStream;
  /** Where each line's `time` comes from (default the system clock). */
  clock?: Clock;
}

/**
 * pino's ISO `time` field, formatted once per millisecond: under load an
 * access-log line is written per request, and many share a millisecond.
 */
function isoTimeOncePerMs(clock: Clock): () => string {
  let formattedMs = Number.NaN;
  let field = '';
  return () => {
    const now = clock.now();
    if (now !== formattedMs) {
      formattedMs = now;
      field = `,"time":"${new Date(now).toISOString()}"`;
    }
    return field;
  };
}

export function createLogger(settings: LoggerSettings = {}): Logger {
  const options: LoggerOptions = {
    level: settings.level ?? 'info',
    redact: { paths: [...REDACTED_PATHS], censor: '[redacted]' },
    // A real IncomingMessage would otherwise be logged whole, `rawHeaders` and
    // all (a list the paths above cannot reach), and a ServerResponse through
    // its `req`; reduce both to the fields worth logging, then redact those.
    // Plain objects pass through unchanged.
    serializers: {
      req: (req: unknown) => (req instanceof IncomingMessage ? { method: req.method, url: req.url, headers: req.headers } : req),
      res: (res: unknown) => (res instanceof ServerResponse ? { statusCode: res.statusCode, headers: res.getHeaders() } : res),
    },
    base: settings.name ? { service: settings.name } : { pid: process.pid },
    timestamp: isoTimeOncePerMs(settings.clock ?? systemClock),
    formatters: { level: (label) => ({ level: label }) },
  };
  return settings.destination ? pino(options, settings.destination) : pino(options);
}
