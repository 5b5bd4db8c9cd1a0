// `bullseye-gateway keys rotate KEY_ID`: issue a successor to a key and let
// the old one live on for the grace only, in one store transaction. Prints
// the same document the API answers ({apiKey, plainKey, previousKey}); the
// successor's plain key is shown this once. Audited (key.rotated) as done by
// `cli` or --rotated-by. The flags become the API's rotate body
// ({gracePeriodSeconds, name}) and its check validates them (flag-body.ts).
// No scope escalation applies: the CLI acts as the database's owner.
import { systemClock } from '../../core/clock.js';
import { EXIT, parseCommandArgs, printJson, stringFlag, type CommandLeaf } from '../../core/cli-kit.js';
import { UsageError } from '../../core/errors.js';
import { durationMs } from '../../config/duration.js';
import { settingsHelp } from '../../config/settings-help.js';
import { toApiKeyJson } from '../key-json.js';
import { compileRotateKeyBodyCheck } from '../rotate-key-body.js';
import { requestFromFlags } from './flag-body.js';
import { actorFrom, KEY_ID_ARGUMENT, keyIdFrom, noSuchKey, refused } from './key-args.js';
import { OFFLINE_ENV, withStore } from './with-store.js';

/**
 * --grace as whole seconds, the body's gracePeriodSeconds (the API's check bounds it).
 * A duration with a unit, or 0: a bare number is refused, as its unit would be a guess.
 */
function graceSeconds(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const ms = raw === '0' ? 0 : /^\d+$/.test(raw) ? undefined : durationMs(raw);
  if (ms === undefined) throw new UsageError(`--grace: must be a duration like 24h, 30m or 90s, or 0 to revoke the key at once`);
  if (ms % 1000 !== 0) throw new UsageError(`--grace: must be a whole number of seconds (write ${Math.ceil(ms / 1000)}s)`);
  return ms / 1000;
}

export const keysRotateCommand: CommandLeaf = {
  summary: 'issue a successor to a key; the old one works until the grace ends',
  help: `Usage: bullseye-gateway keys rotate KEY_ID [--grace DURATION] [--name NAME] [--rotated-by WHO]

Issue a new key with the scopes, expiry and allowed IPs of the key with id
KEY_ID (a UUID, as listed by 'keys list'), and print
{"apiKey": {new}, "plainKey": "...", "previousKey": {old}} as JSON. Store
the plain key now: only its SHA-256 is kept. The old key keeps working until
the grace ends (never past its own expiry), so deploy the new key meanwhile.
A revoked or expired key cannot be rotated.

Options:
  --grace DURATION   how long the old key keeps working: 24h, 30m, 90s, at most
                     720h (30 days); 0 revokes it at once (default: 24h)
  --name NAME        the new key's name (default: the old key's)
  --rotated-by WHO   recorded as the actor in the audit log and as the new key's
                     createdByUserId (default: cli)

${settingsHelp(OFFLINE_ENV)}
Example:
  bullseye-gateway keys rotate 3f2b8c1e-0d4a-4e6b-9a7c-5d1e2f3a4b5c --grace 1h
`,
  async run(argv, env, io) {
    const args = parseCommandArgs(
      argv,
      { grace: { type: 'string' }, name: { type: 'string' }, 'rotated-by': { type: 'string' } },
      KEY_ID_ARGUMENT,
    );
    const keyId = keyIdFrom(args);
    const check = compileRotateKeyBodyCheck();
    const nowMs = systemClock.now();
    // The rotate body is the same for both families.
    const { graceMs, name } = requestFromFlags(
      [
        ['grace', 'gracePeriodSeconds', graceSeconds(stringFlag(args, 'grace'))],
        ['name', 'name', stringFlag(args, 'name')],
      ],
      (body) => check(body, 'org', nowMs),
    );
    const actor = actorFrom(args, 'rotated-by');

    return withStore(env, io, (store) => {
      const key = store.getKey(keyId);
      if (key === undefined) return noSuchKey(io, keyId);
      const rotated = store.rotateKey(keyId, { family: key.family, ownerId: key.ownerId }, { graceMs, name, actor });
      if (!rotated.ok) {
        if (rotated.reason === 'not_found') return noSuchKey(io, keyId); // gone since it was read
        return refused(io, `key ${keyId} is ${rotated.reason}; only an active key can be rotated`);
      }
      printJson(io, { apiKey: toApiKeyJson(rotated.key), plainKey: rotated.plainKey, previousKey: toApiKeyJson(rotated.previousKey) });
      return EXIT.ok;
    });
  },
};
