// `bullseye-gateway orgs set ORG_ID --agency | --no-agency`: change whether an
// existing organization is an agency. Not audited: the audit log records key
// creations and revocations only, and so does `orgs add`.
import { EXIT, parseCommandArgs, printJson, type CommandLeaf } from '../../core/cli-kit.js';
import { UsageError } from '../../core/errors.js';
import { isValidOwnerId, OWNER_ID_RULE } from '../validation.js';
import { toOrganizationJson } from './organization-json.js';
import { settingsHelp } from '../../config/settings-help.js';
import { OFFLINE_ENV, withStore } from './with-store.js';

export const orgsSetCommand: CommandLeaf = {
  summary: 'make an existing organization an agency (--agency) or not (--no-agency)',
  help: `Usage: bullseye-gateway orgs set ORG_ID (--agency | --no-agency)

Change whether organization ORG_ID is an agency and print
{"organization": {...}} as JSON. Only keys of agency organizations may hold
agency:read and agency:write. --no-agency is refused while any active key of
the organization holds an agency scope (revoke those keys first), so no key
keeps powers its organization no longer has. Setting the kind it already has
is not an error. The organization must exist (see 'orgs add').

Options:
  --agency      make it an agency organization
  --no-agency   make it a standard organization

${settingsHelp(OFFLINE_ENV)}`,
  async run(argv, env, io) {
    const args = parseCommandArgs(
      argv,
      { agency: { type: 'boolean' }, 'no-agency': { type: 'boolean' } },
      { min: 1, max: 1, names: ['ORG_ID'] },
    );
    const id = args.positionals[0] as string;
    if (!isValidOwnerId(id)) throw new UsageError(`the organization id must be ${OWNER_ID_RULE}`);
    if ((args.values.agency === true) === (args.values['no-agency'] === true)) {
      throw new UsageError('give exactly one of --agency or --no-agency');
    }
    const agency = args.values.agency === true;
    return withStore(env, io, (store) => {
      const result = store.setOrganizationAgency(id, agency);
      if (!result.ok) {
        io.stderr(
          result.reason === 'not_found'
            ? `error: there is no organization ${id} (register it with 'bullseye-gateway orgs add ${id}')\n`
            : `error: organization ${id} has active keys with agency scopes; revoke them first: ${result.keyIds.join(', ')}\n`,
        );
        return EXIT.usage;
      }
      if (!result.changed) io.stderr(`note: organization ${id} was already ${agency ? 'an agency' : 'a standard organization'}\n`);
      printJson(io, { organization: toOrganizationJson(result.organization) });
      return EXIT.ok;
    });
  },
};
