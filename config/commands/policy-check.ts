// `bullseye-gateway policy check FILE`: validate a policy file for ops' CI.
// Prints `ok: N routes, M upstreams, hash H` (exit 0) or every problem, one
// per line as `file:line: field: message` (exit 1).
import { EXIT, parseCommandArgs, type CommandGroup, type CommandLeaf } from '../../core/cli-kit.js';
import { ConfigError } from '../../core/errors.js';
import { loadPolicyFile } from '../policy.js';
import { policyExplainCommand, policyRoutesCommand } from './policy-inspect.js';

export const policyCheckCommand: CommandLeaf = {
  summary: 'validate a policy file (exit 0 when valid, 1 with every problem when not)',
  help: `Usage: bullseye-gateway policy check FILE

Validate a route policy file without starting anything. Prints a summary and
exits 0 when it is valid; prints every problem (file:line: field: message)
and exits 1 when it is not.
`,
  async run(argv, _env, io) {
    const [file] = parseCommandArgs(argv, {}, { min: 1, max: 1 }).positionals as [string];
    try {
      const policy = loadPolicyFile(file);
      io.stdout(`ok: ${policy.routes.length} routes, ${policy.upstreams.size} upstreams, hash ${policy.hash}\n`);
      return EXIT.ok;
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      const problems = err.problems.length ? err.problems : [err.message];
      const count = `${problems.length} problem${problems.length === 1 ? '' : 's'}`;
      io.stderr(`${problems.join('\n')}\n${count} in ${file}\n`);
      return EXIT.usage;
    }
  },
};

export const policyCommands: CommandGroup = {
  summary: 'work with route policy files',
  commands: { check: policyCheckCommand, routes: policyRoutesCommand, explain: policyExplainCommand },
};
