// `bullseye-gateway audit list`: who created and revoked which key, when and
// from where, read from the database (DATABASE_PATH) like `keys list`.
import { EXIT, parseCommandArgs, printJson, stringFlag, type CommandLeaf } from '../../core/cli-kit.js';
import { UsageError } from '../../core/errors.js';
import { toAuditEventJson } from '../audit-json.js';
import { isValidOwnerId, OWNER_ID_RULE, parseRfc3339 } from '../validation.js';
import type { KeyOwner } from '../store/key-store.js';
import { settingsHelp } from '../../config/settings-help.js';
import { OFFLINE_ENV, withStore } from './with-store.js';

export const AUDIT_LIST_LIMITS = Object.freeze({ defaultLimit: 1000, maxLimit: 100_000 });

const DECIMAL = /^[1-9][0-9]{0,8}$/;

export const auditListCommand: CommandLeaf = {
  summary: 'list key creations and revocations (who, when, from where)',
  help: `Usage: bullseye-gateway audit list [--org ORG_ID | --partner PARTNER_ID] [--since RFC3339] [--limit N]

Print {"auditEvents": [...]} as JSON, oldest first: every key creation
(key.created) and revocation (key.revoked), through the API or the CLI.
Each event has id, at, actor (key_<id> of the calling key for the API;
cli or the --created-by / --revoked-by value for the CLI), clientAddress
(the API client's socket address; null for the CLI), action, keyId,
organizationId or partnerId, keyPrefix, and scopes (key.created only, else
null). Revoking a key that is already revoked is not an event. Plain keys
and hashes are never recorded.

Options:
  --org ORG_ID          only keys of this organization
  --partner PARTNER_ID  only keys of this partner
  --since TIME          only events at or after this RFC 3339 time
  --limit N             at most the N most recent matching events
                        (default ${AUDIT_LIST_LIMITS.defaultLimit}, at most ${AUDIT_LIST_LIMITS.maxLimit}); a note on stderr says when
                        older ones were left out

The database must exist (a missing file is an error, exit 2: this command
never creates a database).

${settingsHelp(OFFLINE_ENV)}
Example:
  bullseye-gateway audit list --org acme --since 2026-01-01T00:00:00Z
`,
  async run(argv, env, io) {
    const args = parseCommandArgs(argv, {
      org: { type: 'string' },
      partner: { type: 'string' },
      since: { type: 'string' },
      limit: { type: 'string' },
    });
    const owner = optionalOwner(stringFlag(args, 'org'), stringFlag(args, 'partner'));
    const rawSince = stringFlag(args, 'since');
    const since = rawSince === undefined ? undefined : parseRfc3339(rawSince);
    if (rawSince !== undefined && since === undefined) {
      throw new UsageError('--since must be an RFC 3339 date-time with a time zone, e.g. 2026-01-31T00:00:00Z');
    }
    const rawLimit = stringFlag(args, 'limit');
    const limit = rawLimit === undefined ? AUDIT_LIST_LIMITS.defaultLimit : DECIMAL.test(rawLimit) ? Number(rawLimit) : NaN;
    if (!(limit >= 1 && limit <= AUDIT_LIST_LIMITS.maxLimit)) {
      throw new UsageError(`--limit must be an integer from 1 to ${AUDIT_LIST_LIMITS.maxLimit}`);
    }
    return withStore(
      env,
      io,
      (store) => {
        // One more than asked tells whether older events were left out.
        const events = store.auditEvents({ owner, since, limit: limit + 1 });
        if (events.length > limit) {
          events.shift();
          io.stderr(`note: only the ${limit} most recent events are shown; raise --limit or narrow --since\n`);
        }
        printJson(io, { auditEvents: events.map(toAuditEventJson) });
        return EXIT.ok;
      },
      { readOnly: true },
    );
  },
};

/** At most one of --org and --partner (none: every owner), validated like the API's ids. */
function optionalOwner(org: string | undefined, partner: string | undefined): KeyOwner | undefined {
  if (org !== undefined && partner !== undefined) throw new UsageError('give at most one of --org ID or --partner ID');
  const owner: KeyOwner | undefined =
    org !== undefined ? { family: 'org', ownerId: org } : partner !== undefined ? { family: 'partner', ownerId: partner } : undefined;
  if (owner && !isValidOwnerId(owner.ownerId)) {
    throw new UsageError(`the ${owner.family === 'org' ? 'organization' : 'partner'} id must be ${OWNER_ID_RULE}`);
  }
  return owner;
}
