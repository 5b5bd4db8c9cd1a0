// The whole configuration of a serving command, checked before any listener
// opens: the environment and settings file, the policy file, REDIS_URL and,
// for a gateway alone, its change feed. Every problem is reported at once (one
// ConfigError, exit 2), so fixing one never reveals the next.
import { ConfigError } from '../core/errors.js';
import { readSettings, type GatewaySettings } from '../config/gateway-settings.js';
import { loadPolicyFile, OFFLINE, type PolicyContext } from '../config/policy.js';
import { parseRedisUrl } from '../gateway/limiter/redis-url.js';

/** `start` runs an admin in-process; `gateway` runs alone and follows one over SYNC_URL. */
export type ServingMode = 'start' | 'gateway';

/**
 * In `start`, `admin@internal` is accepted here and resolved once the admin listens (its port may
 * be 0); a gateway alone has no admin to resolve it to.
 */
const POLICY_CHECK: Record<ServingMode, PolicyContext> = { start: OFFLINE, gateway: { internalAdmin: 'none' } };

/** A gateway alone has its change feed: checkConfiguration refuses one without. */
export type SplitGatewaySettings = GatewaySettings & { readonly syncUrl: string; readonly syncToken: string };

export function checkConfiguration(env: NodeJS.ProcessEnv, mode: 'gateway'): SplitGatewaySettings;
export function checkConfiguration(env: NodeJS.ProcessEnv, mode: 'start'): GatewaySettings;
export function checkConfiguration(env: NodeJS.ProcessEnv, mode: ServingMode): GatewaySettings {
  const { settings, problems: settingsProblems, invalid } = readSettings(env);
  const problems = [...settingsProblems];
  /** Run one check; its ConfigError's problems (or message) join the list, each after `label`. */
  const collect = (check: () => unknown, label = ''): void => {
    try {
      check();
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      problems.push(...(err.problems.length ? err.problems : [err.message]).map((problem) => label + problem));
    }
  };

  // The policy path is checked only when it was read: a bad value is already one problem.
  if (!invalid.has('policyPath')) collect(() => loadPolicyFile(settings.policyPath, POLICY_CHECK[mode]));
  const { redisUrl } = settings;
  if (redisUrl !== null) collect(() => parseRedisUrl(redisUrl), 'REDIS_URL: ');
  if (mode === 'gateway') {
    if (settings.syncUrl === null && !invalid.has('syncUrl')) {
      problems.push("SYNC_URL is not set: a gateway alone follows the admin's change feed (its sync listener, e.g. http://admin:8082)");
    }
    if (settings.syncToken === null) problems.push('SYNC_TOKEN is not set: the same secret the admin service has');
  }
  if (problems.length) throw new ConfigError('invalid configuration', problems);
  return settings;
}
