// `bullseye-gateway keys usage KEY_ID`: a key's hourly counts from the
// database, as GET .../api-keys/{keyId}/usage answers them: a table for
// people by default, the API's {"usage": [...]} with --json. The range rules
// are the API's (from before until, at most 31 days); --since also takes a
// duration back from --until.
import { systemClock } from '../../core/clock.js';
import { EXIT, parseCommandArgs, printJson, stringFlag, type CommandLeaf } from '../../core/cli-kit.js';
import { UsageError } from '../../core/errors.js';
import { HOUR_MS, MAX_USAGE_RANGE_MS, USAGE_OUTCOMES, type UsageOutcome } from '../../core/key-activity.js';
import { durationMs } from '../../config/duration.js';
import { settingsHelp } from '../../config/settings-help.js';
import { toHourlyUsageJson, type HourlyUsageJson } from '../key-usage.js';
import { DEFAULT_USAGE_RANGE_MS } from '../usage-query.js';
import { parseRfc3339 } from '../validation.js';
import { KEY_ID_ARGUMENT, keyIdFrom, noSuchKey, switchFlag } from './key-args.js';
import { OFFLINE_ENV, withStore } from './with-store.js';

const MAX_RANGE_HOURS = MAX_USAGE_RANGE_MS / HOUR_MS;
const TIME_EXAMPLE = 'e.g. 2026-12-01T13:00:00Z';

const COLUMNS: Readonly<Record<UsageOutcome, string>> = {
  success: 'SUCCESS',
  rateLimited: 'RATE LIMITED',
  clientErrors: 'CLIENT ERRORS',
  serverErrors: 'SERVER ERRORS',
};

/** The range the flags ask for: --until (RFC 3339, default now), --since (a duration back from it or RFC 3339, default 24h). */
export function usageRangeFrom(since: string | undefined, until: string | undefined, nowMs: number): { fromMs: number; toMs: number } {
  const toMs = until === undefined ? nowMs : parseRfc3339(until);
  if (toMs === undefined) throw new UsageError(`--until must be an RFC 3339 date-time with a time zone, ${TIME_EXAMPLE}`);
  const back = since === undefined ? DEFAULT_USAGE_RANGE_MS : durationMs(since);
  const fromMs = back !== undefined ? toMs - back : parseRfc3339(since as string);
  if (fromMs === undefined) {
    throw new UsageError(`--since must be a duration like 24h or 90m, or an RFC 3339 date-time with a time zone, ${TIME_EXAMPLE}`);
  }
  if (fromMs >= toMs) throw new UsageError('--since must be before --until');
  if (toMs - fromMs > MAX_USAGE_RANGE_MS) throw new UsageError(`the range may be at most ${MAX_RANGE_HOURS}h (31 days)`);
  return { fromMs, toMs };
}

/** The hours as a right-aligned table with a total row; the outcome columns follow USAGE_OUTCOMES. */
export function usageTable(usage: readonly HourlyUsageJson[]): string {
  const total = Object.fromEntries(USAGE_OUTCOMES.map((o) => [o, usage.reduce((sum, hour) => sum + hour[o], 0)]));
  const rows = [
    ['HOUR (UTC)', ...USAGE_OUTCOMES.map((o) => COLUMNS[o])],
    ...usage.map((hour) => [hour.start, ...USAGE_OUTCOMES.map((o) => String(hour[o]))]),
    ['TOTAL', ...USAGE_OUTCOMES.map((o) => String(total[o]))],
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  return rows
    .map((row) => row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  '))
    .join('\n')
    .concat('\n');
}

const secondTime = (ms: number): string => `${new Date(ms).toISOString().slice(0, 19)}Z`;

export const keysUsageCommand: CommandLeaf = {
  summary: "show a key's requests per hour (success, rate limited, errors)",
  help: `Usage: bullseye-gateway keys usage KEY_ID [--since DURATION|TIME] [--until TIME] [--json]

Show how the gateways answered the key with id KEY_ID (a UUID, as listed by
'keys list'), per UTC hour: success (2xx/3xx), rate limited (the gateway's
429), client errors (other 4xx) and server errors (5xx), with a total.
Hours without traffic are left out. The counts reach the database with the
gateways' last-used batches, so the current hour may lag by a few seconds;
hours older than usage.retention (default 90 days) are pruned.

Options:
  --since DURATION|TIME  the start: a duration back from --until (24h, 90m)
                         or an RFC 3339 time; its hour is included (default: 24h)
  --until TIME           the end, an RFC 3339 time, excluded (default: now)
  --json                 print {"usage": [...]} as GET .../api-keys/{keyId}/usage
                         answers it, instead of a table

The range may be at most ${MAX_RANGE_HOURS}h (31 days). The database must exist
(a missing file is an error, exit 2: this command never creates a database).

${settingsHelp(OFFLINE_ENV)}
Example:
  bullseye-gateway keys usage 3f2b8c1e-0d4a-4e6b-9a7c-5d1e2f3a4b5c --since 168h
`,
  async run(argv, env, io) {
    const args = parseCommandArgs(
      argv,
      { since: { type: 'string' }, until: { type: 'string' }, json: { type: 'boolean' } },
      KEY_ID_ARGUMENT,
    );
    const keyId = keyIdFrom(args);
    const { fromMs, toMs } = usageRangeFrom(stringFlag(args, 'since'), stringFlag(args, 'until'), systemClock.now());
    return withStore(
      env,
      io,
      (store) => {
        const key = store.getKey(keyId);
        if (key === undefined) return noSuchKey(io, keyId);
        const usage = store.usageOf(key.id, fromMs, toMs).map(toHourlyUsageJson);
        if (switchFlag(args, 'json')) {
          printJson(io, { usage });
          return EXIT.ok;
        }
        io.stdout(`Key ${key.keyPrefix} "${key.name}" (${key.id}), ${secondTime(fromMs)} to ${secondTime(toMs)}, per UTC hour:\n`);
        io.stdout(usage.length === 0 ? 'No requests in this range.\n' : usageTable(usage));
        return EXIT.ok;
      },
      { readOnly: true },
    );
  },
};
