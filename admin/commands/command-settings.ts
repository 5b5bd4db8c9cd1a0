// The environment variables `admin` reads, declared once: its --help lists
// exactly these (config/settings-help.ts), and it loads its settings from
// these alone (settingsEnv). The offline commands' list is OFFLINE_ENV in
// with-store.ts, next to the code that reads it.
import type { SettingsVar } from '../../config/settings-help.js';

/** The admin service: its listeners and the database; no gateway, policy or Redis settings. */
export const ADMIN_SETTINGS: readonly SettingsVar[] = [
  'HOST', 'ADMIN_PORT', 'SYNC_PORT', 'OPS_PORT', 'DATABASE_PATH', 'SYNC_TOKEN', 'LOG_LEVEL', 'CONFIG_PATH',
];
