// `bullseye-gateway orgs list`: every registered organization, by id.
import { EXIT, parseCommandArgs, printJson, type CommandLeaf } from '../../core/cli-kit.js';
import { toOrganizationJson } from './organization-json.js';
import { withStore } from './with-store.js';

export const orgsListCommand: CommandLeaf = {
  summary: 'list registered organizations (and which are agencies)',
  help: `Usage: bullseye-gateway orgs list

Print {"organizations": [{"id", "agency", "createdAt"}, ...]} as JSON, by id.

Environment: DATABASE_PATH (default ./data/bullseye.db); the file must exist
(a missing one is an error, exit 2: this command never creates a database)
`,
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
