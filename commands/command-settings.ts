// The environment variables each serving command reads, declared once: its
// --help lists exactly these (config/settings-help.ts), and it loads its
// settings from these alone (settingsEnv), so a variable meant for another
// command is neither read nor validated. The offline commands' list is
// OFFLINE_ENV in admin/commands/with-store.ts, next to the code that reads it.
import type { SettingsVar } from '../config/settings-help.js';

/** Both planes in one process: no change feed to follow, so no SYNC_URL. */
export const START_SETTINGS: readonly SettingsVar[] = [
  'HOST',
  'GATEWAY_PORT',
  'ADMIN_PORT',
  'SYNC_PORT',
  'OPS_PORT',
  'POLICY_PATH',
  'DATABASE_PATH',
  'SYNC_TOKEN',
  'REDIS_URL',
  'LOG_LEVEL',
  'CONFIG_PATH',
];

/** A gateway alone: it follows SYNC_URL and never opens the database or serves the admin's listeners. */
export const GATEWAY_SETTINGS: readonly SettingsVar[] = [
  'HOST',
  'GATEWAY_PORT',
  'OPS_PORT',
  'POLICY_PATH',
  'SYNC_URL',
  'SYNC_TOKEN',
  'REDIS_URL',
  'LOG_LEVEL',
  'CONFIG_PATH',
];

/** The admin service: its listeners, the database and the failed-authentication budget (rateLimit.authFailures, file only); no policy or Redis settings. */
export const ADMIN_SETTINGS: readonly SettingsVar[] = [
  'HOST',
  'ADMIN_PORT',
  'SYNC_PORT',
  'OPS_PORT',
  'DATABASE_PATH',
  'SYNC_TOKEN',
  'LOG_LEVEL',
  'CONFIG_PATH',
];
