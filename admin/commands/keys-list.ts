// `bullseye-gateway keys list`: the same document as GET .../api-keys.
import { EXIT, parseCommandArgs, printJson, type CommandLeaf } from '../../core/cli-kit.js';
import { toApiKeyJson } from '../key-json.js';
import { OWNER_OPTIONS, ownerFromFlags } from './owner-flags.js';
import { settingsHelp } from '../../config/settings-help.js';
import { OFFLINE_ENV, withStore } from './with-store.js';

export const keysListCommand: CommandLeaf = {
  summary: "list an organization's or a partner's keys",
  help: `Usage: bullseye-gateway keys list (--org ORG_ID | --partner PARTNER_ID)

Print {"apiKeys": [...]} as JSON: every key of the owner, revoked ones
included, oldest first. Keys are shown by keyPrefix; plain keys are never stored.

The database must exist (a missing file is an error, exit 2: this command
never creates a database).

${settingsHelp(OFFLINE_ENV)}`,
  async run(argv, env, io) {
    const owner = ownerFromFlags(parseCommandArgs(argv, OWNER_OPTIONS));
    return withStore(
      env,
      io,
      (store) => {
        printJson(io, { apiKeys: store.listKeys(owner).map(toApiKeyJson) });
        return EXIT.ok;
      },
      { readOnly: true },
    );
  },
};
