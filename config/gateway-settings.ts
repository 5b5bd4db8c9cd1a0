// Runtime settings of the gateway and admin processes: ports and paths from
// the environment (12-factor), everything else from an optional YAML file
// (CONFIG_PATH, documented in config/gateway.example.yaml), defaults for the
// rest. The environment wins over the file for the values it can set. Strict
// like the policy: unknown keys and bad values are collected, then thrown as
// one ConfigError; the result is deeply frozen.
import { ConfigError } from '../core/errors.js';
import type { Result } from '../core/result.js';
import { readConfigFile } from './config-file.js';
import { hideUserinfo, integer, oneOf, origin, parseOrigin, text } from './fields.js';
import type { RateLimitSpec } from './policy-types.js';
import { readSettingsSections, type SettingsSections } from './settings-sections.js';
import { MapReader, parseYaml, Problems, quote, type FieldReader } from './yaml-source.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export type { RateLimitSpec };
export type { ServerSettings, UpstreamPoolSettings, SyncSettings, LimiterSettings } from './settings-sections.js';

export interface GatewaySettings extends SettingsSections {
  readonly host: string;
  readonly gatewayPort: number;
  readonly adminPort: number;
  /** The admin's internal change-feed listener (never the public one). */
  readonly syncPort: number;
  readonly opsPort: number;
  readonly policyPath: string;
  readonly databasePath: string;
  /** The admin's sync listener, e.g. http://127.0.0.1:8082: set for split mode (`bullseye-gateway gateway`). */
  readonly syncUrl: string | null;
  /** Shared secret of the change feed; from the environment only, never from a file. */
  readonly syncToken: string | null;
  readonly logLevel: LogLevel;
  /** null: rate limits are kept in memory, per instance. */
  readonly redisUrl: string | null;
  /** The YAML file that was read, if any. */
  readonly configPath: string | null;
  /** Old names still honoured, one line each, for the command to log once it has a logger. */
  readonly deprecations: readonly string[];
}

type EnvParse = (value: string) => Result<{ value: unknown }>;

interface EnvField {
  readonly env: string;
  /** How the same setting is read from the YAML file; undefined: environment only. */
  readonly file: FieldReader<unknown> | undefined;
  readonly parse: EnvParse;
  readonly fallback: unknown;
}

const asText: EnvParse = (value) => ({ ok: true, value });
const asPort: EnvParse = (value) =>
  /^\d{1,5}$/.test(value) && Number(value) <= 65535
    ? { ok: true, value: Number(value) }
    : { ok: false, problem: 'must be a port number from 0 to 65535' };
const asOrigin: EnvParse = (value) => {
  const result = parseOrigin(value);
  return result.ok ? { ok: true, value: result.origin } : result;
};
const asLevel: EnvParse = (value) =>
  (LOG_LEVELS as readonly string[]).includes(value)
    ? { ok: true, value }
    : { ok: false, problem: `must be one of ${LOG_LEVELS.join(', ')}` };

const port = integer(0, 65535);

/** The change-feed secret guards every key hash: refuse one that is guessable. */
export const MIN_SYNC_TOKEN_LENGTH = 16;

/** The settings the environment can set, with their file keys (same name) and defaults. */
export const ENV_FIELDS = {
  host: { env: 'HOST', file: text, parse: asText, fallback: '127.0.0.1' },
  gatewayPort: { env: 'GATEWAY_PORT', file: port, parse: asPort, fallback: 8080 },
  adminPort: { env: 'ADMIN_PORT', file: port, parse: asPort, fallback: 8081 },
  syncPort: { env: 'SYNC_PORT', file: port, parse: asPort, fallback: 8082 },
  opsPort: { env: 'OPS_PORT', file: port, parse: asPort, fallback: 9090 },
  policyPath: { env: 'POLICY_PATH', file: text, parse: asText, fallback: 'config/policy.yaml' },
  databasePath: { env: 'DATABASE_PATH', file: text, parse: asText, fallback: './data/bullseye.db' },
  syncUrl: { env: 'SYNC_URL', file: origin, parse: asOrigin, fallback: null },
  syncToken: { env: 'SYNC_TOKEN', file: undefined, parse: asText, fallback: null },
  logLevel: { env: 'LOG_LEVEL', file: oneOf(LOG_LEVELS), parse: asLevel, fallback: 'info' },
  redisUrl: { env: 'REDIS_URL', file: text, parse: asText, fallback: null },
} as const satisfies Record<string, EnvField>;

/** Renamed settings: old environment name and file key -> the current ones. The old ones keep working, with a deprecation line. */
export const RENAMED = [
  { env: 'ADMIN_URL', file: 'adminUrl', now: 'syncUrl', why: "it is the admin's sync listener (SYNC_PORT), not its API" },
] as const;

/** Environment variable names this loader reads, for docs and --help. */
export const SETTINGS_ENV_VARS: readonly string[] = [...Object.values(ENV_FIELDS).map((f) => f.env), 'CONFIG_PATH'];

/** Apply RENAMED: the current name wins; an old one alone is read (and named in its problems) and reported. */
function readRenames(
  env: NodeJS.ProcessEnv,
  root: MapReader | undefined,
  deprecations: string[],
): {
  /** Field -> the variable to read it from, where that is an old name. */
  envNames: Record<string, string>;
  fileValues: Record<string, unknown>;
} {
  const envNames: Record<string, string> = {};
  const fileValues: Record<string, unknown> = {};
  for (const rename of RENAMED) {
    const field = ENV_FIELDS[rename.now];
    if (env[rename.env]) {
      if (env[field.env]) {
        deprecations.push(`${rename.env} is ignored: ${field.env} is set (${rename.env} is the old name of ${field.env})`);
      } else {
        envNames[rename.now] = rename.env;
        deprecations.push(`${rename.env} is deprecated: set ${field.env} instead (${rename.why})`);
      }
    }
    const oldFile = root?.read(rename.file, field.file);
    if (oldFile !== undefined) {
      deprecations.push(`${rename.file} in the settings file is deprecated: write ${rename.now} instead (${rename.why})`);
      fileValues[rename.now] = oldFile;
    }
  }
  return { envNames, fileValues };
}

/** Checks that span a value's syntax (a port clash needs none: the second listener fails to bind, naming its setting). */
function checkListeners(values: Record<string, unknown>, problems: Problems): void {
  const token = values.syncToken as string | null;
  if (token !== null && token.length < MIN_SYNC_TOKEN_LENGTH) {
    problems.add(undefined, 'SYNC_TOKEN', `must be at least ${MIN_SYNC_TOKEN_LENGTH} characters (e.g. openssl rand -hex 32)`);
  }
}

/**
 * Load settings from `env` and the YAML file at `configFilePath` (default:
 * env.CONFIG_PATH; none: defaults only). An empty variable counts as unset,
 * as container tooling often sets `VAR=` to mean "nothing".
 */
export function loadSettings(env: NodeJS.ProcessEnv, configFilePath?: string): GatewaySettings {
  const { settings, problems } = readSettings(env, configFilePath);
  if (problems.length) throw new ConfigError('invalid gateway settings', problems);
  return settings;
}

/**
 * loadSettings without the throw, for a check of the whole configuration: every problem, and
 * the settings with defaults in place of the invalid values (`invalid` names those fields).
 * A settings file that cannot be read still throws: nothing else could be trusted.
 */
export function readSettings(
  env: NodeJS.ProcessEnv,
  configFilePath?: string,
): { settings: GatewaySettings; problems: readonly string[]; invalid: ReadonlySet<string> } {
  const envProblems = new Problems('environment');
  const configPath = configFilePath ?? (env.CONFIG_PATH || undefined);
  const src = configPath === undefined ? undefined : parseYaml(readConfigFile(configPath, 'settings').text, configPath);
  const root = src && MapReader.root(src, 'a map of gateway settings');

  const deprecations: string[] = [];
  const renamed = readRenames(env, root, deprecations);
  const values: Record<string, unknown> = {};
  const invalid = new Set<string>();
  for (const [name, field] of Object.entries(ENV_FIELDS) as [string, EnvField][]) {
    const fromFile = (field.file ? root?.read(name, field.file) : undefined) ?? renamed.fileValues[name];
    // Written in the file but refused there (a problem already): not a value to check anything with.
    if (field.file && fromFile === undefined && root?.get(name)) invalid.add(name);
    const secret = field.file ? undefined : root?.get(name);
    if (secret) src?.problems.add(secret.keyNode, name, `not allowed in a file: set ${field.env} in the environment`);
    const envName = renamed.envNames[name] ?? field.env;
    const raw = env[envName];
    if (raw === undefined || raw === '') {
      values[name] = fromFile ?? field.fallback;
      continue;
    }
    const parsed = field.parse(raw);
    if (parsed.ok) {
      values[name] = parsed.value;
      continue;
    }
    envProblems.add(undefined, envName, `${parsed.problem}, got ${quote(hideUserinfo(raw))}`);
    values[name] = field.fallback;
    invalid.add(name);
  }
  const sections = readSettingsSections(root);
  root?.finish();
  checkListeners(values, envProblems);

  const problems = [...envProblems.list(), ...(src?.problems.list() ?? [])];
  const settings = Object.freeze({
    ...values,
    ...sections,
    configPath: configPath ?? null,
    deprecations: Object.freeze(deprecations),
  }) as GatewaySettings;
  return { settings, problems, invalid };
}
