// The environment block of `start --help` and `gateway --help`.
export const SETTINGS_HELP = `
Environment (defaults in brackets):
  HOST            interface to listen on [127.0.0.1]
  GATEWAY_PORT    gateway listener [8080]
  ADMIN_PORT      admin API listener (start only) [8081]
  SYNC_PORT       change feed listener (start only, with SYNC_TOKEN) [8082]
  OPS_PORT        /healthz and /readyz [9090]
  POLICY_PATH     route policy YAML [config/policy.yaml]
  DATABASE_PATH   SQLite file (start only) [./data/bullseye.db]
  ADMIN_URL       admin change feed, e.g. http://127.0.0.1:8082 (gateway only)
  SYNC_TOKEN      shared secret of the change feed
  REDIS_URL       Redis for shared rate limits [unset: in memory, per instance]
  LOG_LEVEL       fatal|error|warn|info|debug|trace|silent [info]
  CONFIG_PATH     YAML file with the remaining settings (see config/gateway.example.yaml)
`;
