// `bullseye-gateway keys revoke KEY_ID`: immediate and permanent. A running
// admin (and every gateway following it) sees it within one poll. Audited as
// done by `cli` or --revoked-by, with no client address.
import { EXIT, parseCommandArgs, printJson, stringFlag, type CommandLeaf } from '../../core/cli-kit.js';
import { UsageError } from '../../core/errors.js';
import { toApiKeyJson } from '../key-json.js';
import { checkName, normalizeKeyId } from '../validation.js';
import { settingsHelp } from '../../config/settings-help.js';
import { OFFLINE_ENV, withStore } from './with-store.js';

export const keysRevokeCommand: CommandLeaf = {
  summary: 'revoke a key by id (immediate and permanent)',
  help: `Usage: bullseye-gateway keys revoke KEY_ID [--revoked-by WHO]

Revoke the key with id KEY_ID (a UUID, as listed by 'keys list') and print
{"apiKey": {...}} as JSON. Revoking a revoked key is not an error (and not
a new audit event).

Options:
  --revoked-by WHO   recorded as the actor in the audit log (default: cli)

${settingsHelp(OFFLINE_ENV)}`,
  async run(argv, env, io) {
    const args = parseCommandArgs(argv, { 'revoked-by': { type: 'string' } }, { min: 1, max: 1, names: ['KEY_ID'] });
    const rawId = args.positionals[0] as string;
    const keyId = normalizeKeyId(rawId);
    if (keyId === undefined) throw new UsageError(`'${rawId.slice(0, 80)}' is not a key id (a UUID)`);
    const revokedBy = checkName(stringFlag(args, 'revoked-by') ?? 'cli');
    if (!revokedBy.ok) throw new UsageError(`--revoked-by: ${revokedBy.problem}`);
    return withStore(env, io, (store) => {
      const result = store.revokeKey(keyId, undefined, { id: revokedBy.value, address: null });
      if (result === 'not_found') {
        io.stderr(`error: there is no API key with id ${keyId}\n`);
        return EXIT.usage;
      }
      if (result === 'already_revoked') io.stderr(`note: key ${keyId} was already revoked\n`);
      printJson(io, { apiKey: toApiKeyJson(store.getKey(keyId)!) });
      return EXIT.ok;
    });
  },
};
