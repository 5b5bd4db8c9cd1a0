// `bullseye-gateway keys revoke KEY_ID`: immediate and permanent. A running
// admin (and every gateway following it) sees it within one poll.
import { EXIT, parseCommandArgs, printJson, UsageError, type CommandLeaf } from '../../core/cli-kit.js';
import { toApiKeyJson } from '../key-json.js';
import { normalizeKeyId } from '../validation.js';
import { withStore } from './with-store.js';

export const keysRevokeCommand: CommandLeaf = {
  summary: 'revoke a key by id (immediate and permanent)',
  help: `Usage: bullseye-gateway keys revoke KEY_ID

Revoke the key with id KEY_ID (a UUID, as listed by 'keys list') and print
{"apiKey": {...}} as JSON. Revoking a revoked key is not an error.

Environment: DATABASE_PATH (default ./data/bullseye.db)
`,
  async run(argv, env, io) {
    const [rawId] = parseCommandArgs(argv, {}, { min: 1, max: 1, names: ['KEY_ID'] }).positionals as [string];
    const keyId = normalizeKeyId(rawId);
    if (keyId === undefined) throw new UsageError(`'${rawId.slice(0, 80)}' is not a key id (a UUID)`);
    return withStore(env, io, (store) => {
      const result = store.revokeKey(keyId);
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
