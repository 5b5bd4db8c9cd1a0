// `bullseye-gateway keys update KEY_ID`: change a key's name, scopes, expiry,
// allowed IPs, rate limits or quota, as the API's PATCH does. Prints {"apiKey": {...}}. Only
// fields whose value differs are written and audited (key.updated, as done by
// `cli` or --updated-by). The flags become the API's update body and its check
// validates them (flag-body.ts); --no-expiry, --any-ip, --rate-limit none and
// --quota none are its nulls. No
// scope escalation applies: the CLI acts as the database's owner.
import { systemClock } from '../../core/clock.js';
import { EXIT, parseCommandArgs, printJson, stringFlag, type CommandLeaf } from '../../core/cli-kit.js';
import { UsageError } from '../../core/errors.js';
import { settingsHelp } from '../../config/settings-help.js';
import { toApiKeyJson } from '../key-json.js';
import { compileUpdateKeyBodyCheck } from '../update-key-body.js';
import { requestFromFlags, type FlagMember } from './flag-body.js';
import { actorFrom, atMostOneOf, KEY_ID_ARGUMENT, keyIdFrom, listFlag, noSuchKey, refused, switchFlag } from './key-args.js';
import { quotaFlag, rateLimitsFlag } from './limit-flags.js';
import { OFFLINE_ENV, withStore } from './with-store.js';

const CHANGE_FLAGS = ['--name', '--scopes', '--expires-at', '--no-expiry', '--allowed-ips', '--any-ip', '--rate-limit', '--quota'];

export const keysUpdateCommand: CommandLeaf = {
  summary: "change a key's name, scopes, expiry, allowed IPs, rate limits or quota",
  help: `Usage: bullseye-gateway keys update KEY_ID [--name NAME] [--scopes a,b]
                                    [--expires-at RFC3339 | --no-expiry]
                                    [--allowed-ips a,b | --any-ip]
                                    [--rate-limit N/DURATION,... | --rate-limit none]
                                    [--quota N/PERIOD | --quota none] [--updated-by WHO]

Change the key with id KEY_ID (a UUID, as listed by 'keys list') and print
{"apiKey": {...}} as JSON. Give at least one change; what is not given stays
as it is. A revoked key cannot be updated.

Options:
  --name NAME         a new label (at most 255 characters)
  --scopes a,b        the new scopes: read, write, admin, agency:read, agency:write
                      (agency scopes: agency organizations only)
  --expires-at TIME   RFC 3339 time in the future, e.g. 2030-01-31T00:00:00Z
  --no-expiry         the key never expires
  --allowed-ips a,b   IPv4/IPv6 addresses or CIDRs the key may be used from,
                      at most 100, e.g. 10.0.0.0/8,2001:db8::/32
  --any-ip            the key may be used from any address
  --rate-limit N/D,.. the key's own token-bucket windows, replacing the policy's
                      defaults.rateLimit: 1 to 8 of LIMIT/DURATION (units ms, s,
                      m, h, d; 1s to 366d), e.g. 5000/1m,100000/1d;
                      none: the policy's again
  --quota N/PERIOD    the key's own calendar quota (UTC), period day or month,
                      e.g. 1000000/month; none: the policy's again
  --updated-by WHO    recorded as the actor in the audit log (default: cli)

${settingsHelp(OFFLINE_ENV)}
Example:
  bullseye-gateway keys update 3f2b8c1e-0d4a-4e6b-9a7c-5d1e2f3a4b5c --allowed-ips 203.0.113.0/24
`,
  async run(argv, env, io) {
    const args = parseCommandArgs(
      argv,
      {
        name: { type: 'string' },
        scopes: { type: 'string' },
        'expires-at': { type: 'string' },
        'no-expiry': { type: 'boolean' },
        'allowed-ips': { type: 'string' },
        'any-ip': { type: 'boolean' },
        'rate-limit': { type: 'string' },
        quota: { type: 'string' },
        'updated-by': { type: 'string' },
      },
      KEY_ID_ARGUMENT,
    );
    const keyId = keyIdFrom(args);
    atMostOneOf(args, 'expires-at', 'no-expiry');
    atMostOneOf(args, 'allowed-ips', 'any-ip');
    const members: readonly FlagMember[] = [
      ['name', 'name', stringFlag(args, 'name')],
      ['scopes', 'scopes', listFlag(args, 'scopes')],
      switchFlag(args, 'no-expiry') ? ['no-expiry', 'expiresAt', null] : ['expires-at', 'expiresAt', stringFlag(args, 'expires-at')],
      switchFlag(args, 'any-ip') ? ['any-ip', 'allowedIps', null] : ['allowed-ips', 'allowedIps', listFlag(args, 'allowed-ips')],
      ['rate-limit', 'rateLimits', rateLimitsFlag(args)],
      ['quota', 'quota', quotaFlag(args)],
    ];
    if (members.every(([, , value]) => value === undefined)) {
      throw new UsageError(`nothing to update: give at least one of ${CHANGE_FLAGS.join(', ')}`);
    }
    const actor = actorFrom(args, 'updated-by');

    return withStore(env, io, (store) => {
      const key = store.getKey(keyId);
      if (key === undefined) return noSuchKey(io, keyId);
      // The family decides which scopes the body may name, so the check runs once the key is found.
      const check = compileUpdateKeyBodyCheck();
      const nowMs = systemClock.now();
      const changes = requestFromFlags(members, (body) => check(body, key.family, nowMs));
      const updated = store.updateKey(keyId, { family: key.family, ownerId: key.ownerId }, changes, actor);
      if (!updated.ok) {
        if (updated.reason === 'not_found') return noSuchKey(io, keyId); // gone since it was read
        if (updated.reason === 'revoked') return refused(io, `key ${keyId} is revoked; a revoked key cannot be updated`);
        return refused(
          io,
          `organization ${key.ownerId} is not an agency, so its keys cannot hold agency scopes ` +
            `(make it one with 'bullseye-gateway orgs set ${key.ownerId} --agency' first)`,
        );
      }
      if (updated.changed.length === 0) io.stderr(`note: key ${keyId} already had these values; nothing changed\n`);
      printJson(io, { apiKey: toApiKeyJson(updated.key) });
      return EXIT.ok;
    });
  },
};
