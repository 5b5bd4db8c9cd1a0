// An organization as the CLI prints it (orgs add, orgs set, orgs list).
import { isoTime } from '../key-json.js';
import type { Organization } from '../store/rows.js';

export const toOrganizationJson = (organization: Organization) => ({
  id: organization.id,
  agency: organization.agency,
  createdAt: isoTime(organization.createdAt),
});
