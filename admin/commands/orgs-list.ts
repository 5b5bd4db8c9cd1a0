// `bullseye-gateway orgs list`: every registered organization, by id.
import { EXIT, parseCommandArgs, printJson, type CommandLeaf } from '../../core/cli-kit.js';
import { toOrganizationJson } from './organization-json.js';
import { settingsHelp } from '../../config/settings-help.js';
import { OFFLINE_ENV, withStore } from './with-store.js';

export const orgsListCommand: CommandLeaf = {
  summary: 'list registered organizations (and which are agencies)',
  help: `Usage: bullseye-gateway orgs list

Print {"organizations": [{"id", "agency", "createdAt"}, ...]} as JSON, by id.

The database must exist (a missing file is an error, exit 2: this command
never creates a database).

${settingsHelp(OFFLINE_ENV)}`,
  async run(argv, env, io) {
    parseCommandArgs(argv, {});
    return withStore(
      env,
      io,
      (store) => {
        printJson(io, { organizations: store.listOrganizations().map(toOrganizationJson) });
        return EXIT.ok;
      },
      { readOnly: true },
    );
  },
};
