// `bullseye-gateway keys create`: how the first admin key is bootstrapped.
// Prints the same document the API answers ({apiKey, plainKey}); the plain
// key is shown this once and stored nowhere.
//
// The flags become the body the API takes ({name, scopes, expiresAt,
// allowedIps, rateLimits, quota}) and are validated by the API's own check
// (flag-body.ts).
// No scope escalation applies: the CLI acts as the database's owner, not as a
// key. The agency rule is the store's, which registers the organization.
import { systemClock } from '../../core/clock.js';
import { parseCommandArgs, printJson, stringFlag, EXIT, type CommandLeaf } from '../../core/cli-kit.js';
import { UsageError } from '../../core/errors.js';
import { compileCreateKeyBodyCheck } from '../create-key-body.js';
import { toApiKeyJson } from '../key-json.js';
import { checkName } from '../validation.js';
import { requestFromFlags } from './flag-body.js';
import { listFlag } from './key-args.js';
import { quotaFlag, rateLimitsFlag } from './limit-flags.js';
import { OWNER_OPTIONS, ownerFromFlags } from './owner-flags.js';
import { settingsHelp } from '../../config/settings-help.js';
import { OFFLINE_ENV, withStore } from './with-store.js';

export const keysCreateCommand: CommandLeaf = {
  summary: 'create an API key and print it (the plain key is shown once)',
  help: `Usage: bullseye-gateway keys create (--org ORG_ID | --partner PARTNER_ID) --name NAME
                                    [--scopes a,b] [--expires-at RFC3339] [--allowed-ips a,b]
                                    [--rate-limit N/DURATION,...] [--quota N/PERIOD]
                                    [--created-by WHO]

Create an organization key (bsk_live_...) or a partner key (pk_live_...) and
print {"apiKey": {...}, "plainKey": "..."} as JSON. Store the plain key now:
only its SHA-256 is kept.

Options:
  --org ORG_ID          organization that owns the key (registered as a standard
                        organization if unknown; see 'orgs add' for agencies)
  --partner PARTNER_ID  partner that owns the key
  --name NAME           a label for the key (required, at most 255 characters)
  --scopes a,b          read, write, admin, agency:read, agency:write
                        (default: read,write for --org; read,write,admin for --partner)
  --expires-at TIME     RFC 3339 time in the future, e.g. 2030-01-31T00:00:00Z
  --allowed-ips a,b     IPv4/IPv6 addresses or CIDRs the key may be used from,
                        at most 100 (default: any address), e.g. 10.0.0.0/8,2001:db8::/32
  --rate-limit N/D,...  the key's own token-bucket windows, replacing the policy's
                        defaults.rateLimit: 1 to 8 of LIMIT/DURATION (units ms, s,
                        m, h, d; 1s to 366d), e.g. 5000/1m,100000/1d
                        (default: the policy's)
  --quota N/PERIOD      the key's own calendar quota (UTC), period day or month,
                        e.g. 1000000/month (default: the policy's)
  --created-by WHO      recorded as createdByUserId (default: cli)

The database is created with its folder if missing; its absolute path is
printed on stderr, so a key created in the wrong file is noticed.

${settingsHelp(OFFLINE_ENV)}
Example:
  bullseye-gateway keys create --org acme --name bootstrap --scopes read,write,admin
`,
  async run(argv, env, io) {
    const args = parseCommandArgs(argv, {
      ...OWNER_OPTIONS,
      name: { type: 'string' },
      scopes: { type: 'string' },
      'expires-at': { type: 'string' },
      'allowed-ips': { type: 'string' },
      'rate-limit': { type: 'string' },
      quota: { type: 'string' },
      'created-by': { type: 'string' },
    });
    const owner = ownerFromFlags(args);
    // The schema says "name is required" of the body; the CLI names the flag.
    const rawName = stringFlag(args, 'name');
    if (rawName === undefined) throw new UsageError('--name is required');
    const check = compileCreateKeyBodyCheck();
    const nowMs = systemClock.now();
    const { name, scopes, expiresAt, allowedIps, rateLimits, quota } = requestFromFlags(
      [
        ['name', 'name', rawName],
        ['scopes', 'scopes', listFlag(args, 'scopes')],
        ['expires-at', 'expiresAt', stringFlag(args, 'expires-at')],
        ['allowed-ips', 'allowedIps', listFlag(args, 'allowed-ips')],
        ['rate-limit', 'rateLimits', rateLimitsFlag(args)],
        ['quota', 'quota', quotaFlag(args)],
      ],
      (body) => check(body, owner.family, nowMs),
    );
    // Not part of the API's body (the API records the calling key).
    const createdBy = checkName(stringFlag(args, 'created-by') ?? 'cli');
    if (!createdBy.ok) throw new UsageError(`--created-by: ${createdBy.problem}`);

    return withStore(env, io, (store) => {
      io.stderr(`database: ${store.path}\n`);
      const created = store.createKey({
        ...owner,
        name,
        scopes,
        expiresAt,
        allowedIps,
        rateLimits,
        quota,
        createdBy: createdBy.value,
        registerOrganization: true,
      });
      if (!created.ok) {
        // Only reason left with registration on: agency scopes for a standard organization.
        throw new UsageError(
          `organization ${owner.ownerId} is not an agency, so its keys cannot hold agency scopes ` +
            `(register it with 'bullseye-gateway orgs add ${owner.ownerId} --agency' first)`,
        );
      }
      printJson(io, { apiKey: toApiKeyJson(created.key), plainKey: created.plainKey });
      return EXIT.ok;
    });
  },
};
