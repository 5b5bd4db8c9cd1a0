// The environment block of a command's --help, for exactly the variables that
// command reads. The one-line descriptions live here; the names and defaults
// come from the settings loader's own table (ENV_FIELDS, RENAMED), so no
// default is restated. A command declares its variables once and hands the
// same list to settingsHelp() and to settingsEnv(), so what it reads and what
// its help lists cannot drift apart (test/config/settings-help.test.ts).
import type { Env } from '../core/cli-kit.js';
import { ENV_FIELDS, LOG_LEVELS, RENAMED } from './gateway-settings.js';

type FieldName = keyof typeof ENV_FIELDS;
/** A variable a command can declare: one of the loader's, or CONFIG_PATH (the file of everything else). */
export type SettingsVar = (typeof ENV_FIELDS)[FieldName]['env'] | 'CONFIG_PATH';

interface Row {
  readonly about: string;
  /** What an unset variable means, where its default is "none". */
  readonly unset?: string;
}

const ROWS: Readonly<Record<SettingsVar, Row>> = {
  HOST: { about: 'interface to listen on' },
  GATEWAY_PORT: { about: 'gateway listener' },
  ADMIN_PORT: { about: 'admin API listener' },
  SYNC_PORT: { about: 'change feed listener, served only with SYNC_TOKEN set' },
  OPS_PORT: { about: '/healthz, /readyz and /metrics' },
  POLICY_PATH: { about: 'route policy YAML' },
  DATABASE_PATH: { about: 'SQLite file' },
  SYNC_URL: { about: "the admin's change feed (its SYNC_PORT), e.g. http://127.0.0.1:8082" },
  SYNC_TOKEN: { about: 'shared secret of the change feed, at least 16 characters' },
  LOG_LEVEL: { about: LOG_LEVELS.join('|') },
  REDIS_URL: { about: 'Redis for rate limits shared between gateways', unset: 'in memory, per instance' },
  CONFIG_PATH: { about: 'YAML file of further settings (see config/gateway.example.yaml)' },
};

const rowOf = (name: SettingsVar): Row => ROWS[name];

const fieldOf = (name: SettingsVar): (typeof ENV_FIELDS)[FieldName] | undefined =>
  Object.values(ENV_FIELDS).find((field) => field.env === name);

/** The deprecated old names of `vars` that the loader still reads, with the variable each one stands for. */
function oldNamesOf(vars: readonly SettingsVar[]): { env: string; now: string }[] {
  return RENAMED.map((rename) => ({ env: rename.env, now: ENV_FIELDS[rename.now].env })).filter((old) => vars.includes(old.now));
}

/** Every variable a command declaring `vars` reads: those and their deprecated old names. */
export function settingsVarsRead(vars: readonly SettingsVar[]): string[] {
  return [...vars, ...oldNamesOf(vars).map((old) => old.env)];
}

/** Only the variables of `vars` (and their old names) from `env`, for loadSettings: nothing else is read. */
export function settingsEnv(env: Env, vars: readonly SettingsVar[]): Env {
  const picked: Record<string, string | undefined> = {};
  for (const name of settingsVarsRead(vars)) picked[name] = env[name];
  return picked;
}

const NAME_WIDTH = 16;

function defaultOf(name: SettingsVar): string {
  const fallback = fieldOf(name)?.fallback ?? null;
  if (fallback !== null) return ` [${String(fallback)}]`;
  const unset = rowOf(name).unset;
  return unset === undefined ? '' : ` [unset: ${unset}]`;
}

/** "Environment (defaults in brackets):" and one line per variable of `vars`, in the order given, then old names. */
export function settingsHelp(vars: readonly SettingsVar[]): string {
  const lines = vars.map((name) => `  ${name.padEnd(NAME_WIDTH)}${rowOf(name).about}${defaultOf(name)}`);
  for (const old of oldNamesOf(vars)) lines.push(`  ${old.env.padEnd(NAME_WIDTH)}deprecated old name of ${old.now} (${old.now} wins)`);
  return `Environment (defaults in brackets):\n${lines.join('\n')}\n`;
}
