// The composition root's command tree: the serving commands (which assemble
// processes from both planes, so they live here and not in either plane) and
// each plane's own commands. cli.ts binds it to the process; tests run the
// same tree in-process.
import { databaseCommands } from '../admin/commands/index.js';
import { policyCommands } from '../config/commands/policy-check.js';
import { versionCommand, type CommandGroup } from '../core/cli-kit.js';
import { adminCommand } from './admin.js';
import { gatewayCommand } from './gateway.js';
import { startCommand } from './start.js';

export const COMMAND_TREE: CommandGroup = {
  summary: 'Bullseye Gateway: API key authentication and rate limiting in front of the Bullseye API.',
  commands: {
    start: startCommand,
    gateway: gatewayCommand,
    admin: adminCommand,
    ...databaseCommands,
    policy: policyCommands,
    version: versionCommand,
  },
};
