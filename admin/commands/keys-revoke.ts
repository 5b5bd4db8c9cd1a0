// `bullseye-gateway keys revoke KEY_ID`: immediate and permanent. A running
// admin (and every gateway following it) sees it within one poll. Audited as
// done by `cli` or --revoked-by, with no client address.
import { EXIT, parseCommandArgs, printJson, type CommandLeaf } from '../../core/cli-kit.js';
import { toApiKeyJson } from '../key-json.js';
import { actorFrom, KEY_ID_ARGUMENT, keyIdFrom, noSuchKey } from './key-args.js';
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
    const args = parseCommandArgs(argv, { 'revoked-by': { type: 'string' } }, KEY_ID_ARGUMENT);
    const keyId = keyIdFrom(args);
    const actor = actorFrom(args, 'revoked-by');
    return withStore(env, io, (store) => {
      const result = store.revokeKey(keyId, undefined, actor);
      if (result === 'not_found') return noSuchKey(io, keyId);
      if (result === 'already_revoked') io.stderr(`note: key ${keyId} was already revoked\n`);
      printJson(io, { apiKey: toApiKeyJson(store.getKey(keyId)!) });
      return EXIT.ok;
    });
  },
};
