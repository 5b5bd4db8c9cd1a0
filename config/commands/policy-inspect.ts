// `bullseye-gateway policy routes FILE [--json]` and `policy explain FILE
// METHOD TARGET`: what a policy defines, and what it does with one request.
// An invalid file is reported like `policy check` does (exit 2 here: the
// question cannot be answered until the file loads).
import { EXIT, parseCommandArgs, printJson, type CommandLeaf } from '../../core/cli-kit.js';
import { explainRequest, limitDefaults, routeRow, routesTable } from '../policy-describe.js';
import { loadPolicyFile } from '../policy.js';

export const policyRoutesCommand: CommandLeaf = {
  summary: 'list every route of a policy file (method, path, scope, key, upstream, cost, websocket, rate limit) and the default limits',
  help: `Usage: bullseye-gateway policy routes FILE [--json]

Print every route of a valid policy file in file order, then the limits every
key gets unless it has its own (defaults.rateLimit, defaults.quota); as a table
or, with --json, as {"routes":[{method, path, access, key, upstream, cost,
rateLimits, websocket}], "defaults":{rateLimits, quota}}. access is a scope or
"public"; key is org, partner or any; rateLimits is the route's own windows
([{requests, perMs}], null for none); quota is {limit, period} or null.
`,
  async run(argv, _env, io) {
    const args = parseCommandArgs(argv, { json: { type: 'boolean' } }, { min: 1, max: 1, names: ['FILE'] });
    const policy = loadPolicyFile(args.positionals[0] as string);
    if (args.values.json) printJson(io, { routes: policy.routes.map(routeRow), defaults: limitDefaults(policy) });
    else io.stdout(routesTable(policy));
    return EXIT.ok;
  },
};

export const policyExplainCommand: CommandLeaf = {
  summary: 'say which route a request matches, what key it needs and where it goes, or why it is refused',
  help: `Usage: bullseye-gateway policy explain FILE METHOD TARGET [--json]

What the gateway would do with METHOD TARGET (e.g. GET /api/v1/organization/acme/visitors?page=2)
before any key is read: the route it matches and its parameters, the key it
needs, the upstream it goes to; or the 400 (target not canonical) or 404 (no
route) it gets, with the reason. Exit 0 when it matches, 1 when refused.
`,
  async run(argv, _env, io) {
    const args = parseCommandArgs(argv, { json: { type: 'boolean' } }, { min: 3, max: 3, names: ['FILE', 'METHOD', 'TARGET'] });
    const [file, method, target] = args.positionals as [string, string, string];
    const explained = explainRequest(loadPolicyFile(file), method, target);
    if (args.values.json) printJson(io, explained);
    else if (explained.outcome === 'refused') io.stdout(`refused: ${explained.status} ${explained.code}: ${explained.reason}\n`);
    else {
      const { route } = explained;
      const params = Object.entries(explained.params)
        .map(([name, value]) => `${name}=${value}`)
        .join(', ');
      io.stdout(
        `route:      ${route.method} ${route.path}\n` +
          `parameters: ${params || '(none)'}\n` +
          `needs:      ${explained.needs}\n` +
          `limits:     ${explained.limits}\n` +
          `forwards:   ${explained.pathAndQuery} to ${explained.forwardsTo}\n` +
          `websocket:  ${route.websocket ? 'may upgrade' : 'no (an Upgrade header is refused)'}\n`,
      );
    }
    return explained.outcome === 'matched' ? EXIT.ok : EXIT.usage;
  },
};
