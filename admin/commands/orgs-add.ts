// `bullseye-gateway orgs add ORG_ID [--agency]`: register an organization.
// Only agency organizations' keys may hold agency:read / agency:write.
import { EXIT, parseCommandArgs, printJson, type CommandLeaf } from '../../core/cli-kit.js';
import { UsageError } from '../../core/errors.js';
import { isValidOwnerId, OWNER_ID_RULE } from '../validation.js';
import { toOrganizationJson } from './organization-json.js';
import { settingsHelp } from '../../config/settings-help.js';
import { OFFLINE_ENV, withStore } from './with-store.js';

export const orgsAddCommand: CommandLeaf = {
  summary: 'register an organization (--agency for an agency)',
  help: `Usage: bullseye-gateway orgs add ORG_ID [--agency]

Register organization ORG_ID and print {"organization": {...}} as JSON.
Only keys of agency organizations may hold agency:read and agency:write.
Adding an organization that exists with the same kind is not an error;
to change the kind of an existing one, see 'orgs set'.

Options:
  --agency   register an agency organization

${settingsHelp(OFFLINE_ENV)}`,
  async run(argv, env, io) {
    const args = parseCommandArgs(argv, { agency: { type: 'boolean' } }, { min: 1, max: 1, names: ['ORG_ID'] });
    const id = args.positionals[0] as string;
    if (!isValidOwnerId(id)) throw new UsageError(`the organization id must be ${OWNER_ID_RULE}`);
    const agency = args.values.agency === true;
    return withStore(env, io, (store) => {
      const result = store.addOrganization(id, agency);
      if (!result.ok) {
        io.stderr(`error: organization ${id} already exists as ${result.organization.agency ? 'an agency' : 'a standard'} organization\n`);
        return EXIT.usage;
      }
      if (!result.created) io.stderr(`note: organization ${id} was already registered\n`);
      printJson(io, { organization: toOrganizationJson(result.organization) });
      return EXIT.ok;
    });
  },
};
