// The control plane's offline commands (they work on the database file, with
// no service running), as the command tree mounts them.
import type { CommandGroup, CommandLeaf } from '../../core/cli-kit.js';
import { auditListCommand } from './audit-list.js';
import { keysCreateCommand } from './keys-create.js';
import { keysListCommand } from './keys-list.js';
import { keysRevokeCommand } from './keys-revoke.js';
import { keysRotateCommand } from './keys-rotate.js';
import { keysUpdateCommand } from './keys-update.js';
import { keysUsageCommand } from './keys-usage.js';
import { orgsAddCommand } from './orgs-add.js';
import { orgsListCommand } from './orgs-list.js';
import { orgsSetCommand } from './orgs-set.js';

export const keysCommands: CommandGroup = {
  summary: 'create, list, rotate, update and revoke API keys, and show their usage, in the database (DATABASE_PATH)',
  commands: {
    create: keysCreateCommand,
    list: keysListCommand,
    rotate: keysRotateCommand,
    update: keysUpdateCommand,
    revoke: keysRevokeCommand,
    usage: keysUsageCommand,
  },
};

export const orgsCommands: CommandGroup = {
  summary: 'register, list and change organizations (agency or not)',
  commands: { add: orgsAddCommand, list: orgsListCommand, set: orgsSetCommand },
};

export const auditCommands: CommandGroup = {
  summary: 'read the audit log of key creations, rotations, updates and revocations',
  commands: { list: auditListCommand },
};

export const databaseCommands: Readonly<Record<string, CommandLeaf | CommandGroup>> = {
  keys: keysCommands,
  orgs: orgsCommands,
  audit: auditCommands,
};
