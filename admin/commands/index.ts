// The control plane's commands, as cli.ts mounts them.
import type { CommandGroup, CommandLeaf } from '../../core/cli-kit.js';
import { adminCommand } from './admin.js';
import { auditListCommand } from './audit-list.js';
import { keysCreateCommand } from './keys-create.js';
import { keysListCommand } from './keys-list.js';
import { keysRevokeCommand } from './keys-revoke.js';
import { orgsAddCommand } from './orgs-add.js';
import { orgsListCommand } from './orgs-list.js';
import { orgsSetCommand } from './orgs-set.js';

export { adminCommand };

export const keysCommands: CommandGroup = {
  summary: 'create, list and revoke API keys in the database (DATABASE_PATH)',
  commands: { create: keysCreateCommand, list: keysListCommand, revoke: keysRevokeCommand },
};

export const orgsCommands: CommandGroup = {
  summary: 'register, list and change organizations (agency or not)',
  commands: { add: orgsAddCommand, list: orgsListCommand, set: orgsSetCommand },
};

export const auditCommands: CommandGroup = {
  summary: 'read the audit log of key creations and revocations',
  commands: { list: auditListCommand },
};

export const adminPlaneCommands: Readonly<Record<string, CommandLeaf | CommandGroup>> = {
  admin: adminCommand,
  keys: keysCommands,
  orgs: orgsCommands,
  audit: auditCommands,
};
