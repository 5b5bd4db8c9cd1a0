// Schema migrations, applied in order by `PRAGMA user_version`: migration i
// takes the schema from version i to i + 1, each in its own transaction.
// Append only: a released migration is never edited.
//
// Timestamps are INTEGER epoch milliseconds. Every write to a key row gives it
// a fresh `seq` from the one-row `change_sequence` counter, in the same
// transaction, so the change feed can replicate keys by sequence number.

export const MIGRATIONS: readonly string[] = [
  // 1: organizations, API keys (hash only), the change sequence.
  `
  CREATE TABLE organizations (
    id         TEXT PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 64),
    agency     INTEGER NOT NULL DEFAULT 0 CHECK (agency IN (0, 1)),
    created_at INTEGER NOT NULL
  ) STRICT;

  CREATE TABLE change_sequence (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    value INTEGER NOT NULL
  ) STRICT;
  INSERT INTO change_sequence (id, value) VALUES (1, 0);

  CREATE TABLE api_keys (
    id              TEXT PRIMARY KEY,
    family          TEXT NOT NULL CHECK (family IN ('org', 'partner')),
    owner_id        TEXT NOT NULL CHECK (length(owner_id) BETWEEN 1 AND 64),
    -- owner_id again for organization keys, so the foreign key can hold.
    organization_id TEXT REFERENCES organizations (id),
    name            TEXT NOT NULL,
    key_prefix      TEXT NOT NULL,
    key_hash        TEXT NOT NULL UNIQUE CHECK (length(key_hash) = 64),
    scopes          TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('active', 'revoked')),
    expires_at      INTEGER,
    last_used_at    INTEGER,
    created_at      INTEGER NOT NULL,
    created_by      TEXT,
    revoked_at      INTEGER,
    seq             INTEGER NOT NULL UNIQUE,
    CHECK ((family = 'org' AND organization_id = owner_id) OR (family = 'partner' AND organization_id IS NULL))
  ) STRICT;
  CREATE INDEX api_keys_by_owner ON api_keys (family, owner_id, created_at);
  `,
  // 2: the audit log of key creations and revocations, written in the same
  // transaction as the change it records. Append-only: the triggers refuse
  // edits and deletions, so a row, once committed, says what happened.
  // Never a plain key or a hash: only the key's id, owner and public prefix.
  `
  CREATE TABLE audit_events (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    at             INTEGER NOT NULL,
    -- key_<uuid> for the admin API, cli or the operator's --created-by / --revoked-by for the CLI.
    actor          TEXT NOT NULL CHECK (length(actor) BETWEEN 1 AND 300),
    -- the request's socket address (API); NULL for the CLI.
    client_address TEXT,
    action         TEXT NOT NULL CHECK (action IN ('key.created', 'key.revoked')),
    key_id         TEXT NOT NULL,
    family         TEXT NOT NULL CHECK (family IN ('org', 'partner')),
    owner_id       TEXT NOT NULL,
    key_prefix     TEXT NOT NULL,
    -- JSON array of the new key's scopes for key.created; NULL for key.revoked.
    scopes         TEXT,
    CHECK ((action = 'key.created') = (scopes IS NOT NULL))
  ) STRICT;
  CREATE INDEX audit_events_by_owner ON audit_events (family, owner_id, id);
  CREATE INDEX audit_events_by_time ON audit_events (at);
  CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
    BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;
  CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
    BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;
  `,
  // 3: per-key IP allowlists; the audit log also records rotations and
  // updates, with what a row of its action needs to say in `details`.
  // SQLite cannot alter a CHECK constraint: the audit table is rebuilt with
  // its rows (DROP TABLE fires no DELETE trigger) and its indexes and triggers.
  `
  ALTER TABLE api_keys ADD COLUMN allowed_ips TEXT CHECK (allowed_ips IS NULL OR json_type(allowed_ips) = 'array');

  CREATE TABLE audit_events_3 (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    at             INTEGER NOT NULL,
    actor          TEXT NOT NULL CHECK (length(actor) BETWEEN 1 AND 300),
    client_address TEXT,
    action         TEXT NOT NULL CHECK (action IN ('key.created', 'key.revoked', 'key.rotated', 'key.updated')),
    key_id         TEXT NOT NULL,
    family         TEXT NOT NULL CHECK (family IN ('org', 'partner')),
    owner_id       TEXT NOT NULL,
    key_prefix     TEXT NOT NULL,
    -- JSON array of the new key's scopes for key.created and key.rotated (the successor's); else NULL.
    scopes         TEXT,
    -- JSON object: key.rotated {previousKeyId, gracePeriodSeconds}; key.updated {fields}; else NULL.
    details        TEXT CHECK (details IS NULL OR json_type(details) = 'object'),
    CHECK ((action IN ('key.created', 'key.rotated')) = (scopes IS NOT NULL)),
    CHECK ((action IN ('key.rotated', 'key.updated')) = (details IS NOT NULL))
  ) STRICT;
  INSERT INTO audit_events_3 (id, at, actor, client_address, action, key_id, family, owner_id, key_prefix, scopes)
    SELECT id, at, actor, client_address, action, key_id, family, owner_id, key_prefix, scopes FROM audit_events;
  DROP TABLE audit_events;
  ALTER TABLE audit_events_3 RENAME TO audit_events;
  CREATE INDEX audit_events_by_owner ON audit_events (family, owner_id, id);
  CREATE INDEX audit_events_by_time ON audit_events (at);
  CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
    BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;
  CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
    BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;
  `,
  // 4: per-key rate limits and quotas (NULL: the policy's defaults), in the
  // record's form: rate_limits [{"requests", "perMs"}, ...] shortest first,
  // quota {"limit", "period"}; the store writes only values the API accepted.
  // key.created may now say in `details` what limits the key was given: the
  // audit table is rebuilt as in migration 3 for its CHECK.
  `
  ALTER TABLE api_keys ADD COLUMN rate_limits TEXT CHECK (rate_limits IS NULL OR json_type(rate_limits) = 'array');
  ALTER TABLE api_keys ADD COLUMN quota TEXT CHECK (quota IS NULL OR json_type(quota) = 'object');

  CREATE TABLE audit_events_4 (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    at             INTEGER NOT NULL,
    actor          TEXT NOT NULL CHECK (length(actor) BETWEEN 1 AND 300),
    client_address TEXT,
    action         TEXT NOT NULL CHECK (action IN ('key.created', 'key.revoked', 'key.rotated', 'key.updated')),
    key_id         TEXT NOT NULL,
    family         TEXT NOT NULL CHECK (family IN ('org', 'partner')),
    owner_id       TEXT NOT NULL,
    key_prefix     TEXT NOT NULL,
    -- JSON array of the new key's scopes for key.created and key.rotated (the successor's); else NULL.
    scopes         TEXT,
    -- JSON object: key.created {rateLimits?, quota?} (NULL: neither set); key.rotated {previousKeyId,
    -- gracePeriodSeconds}; key.updated {fields, rateLimits?, quota?}; key.revoked NULL.
    details        TEXT CHECK (details IS NULL OR json_type(details) = 'object'),
    CHECK ((action IN ('key.created', 'key.rotated')) = (scopes IS NOT NULL)),
    CHECK (action = 'key.created' OR (action IN ('key.rotated', 'key.updated')) = (details IS NOT NULL))
  ) STRICT;
  INSERT INTO audit_events_4 (id, at, actor, client_address, action, key_id, family, owner_id, key_prefix, scopes, details)
    SELECT id, at, actor, client_address, action, key_id, family, owner_id, key_prefix, scopes, details FROM audit_events;
  DROP TABLE audit_events;
  ALTER TABLE audit_events_4 RENAME TO audit_events;
  CREATE INDEX audit_events_by_owner ON audit_events (family, owner_id, id);
  CREATE INDEX audit_events_by_time ON audit_events (at);
  CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
    BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;
  CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
    BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;
  `,
  // 5: per-key hourly usage, added together across gateways (admin/store/key-usage.ts).
  // hour_start: epoch ms of a UTC hour's start. Rows older than the retention
  // are pruned (by hour_start, hence its index); hours without traffic have no row.
  `
  CREATE TABLE key_usage (
    key_id        TEXT NOT NULL,
    hour_start    INTEGER NOT NULL CHECK (hour_start % 3600000 = 0),
    success       INTEGER NOT NULL CHECK (success >= 0),
    rate_limited  INTEGER NOT NULL CHECK (rate_limited >= 0),
    client_errors INTEGER NOT NULL CHECK (client_errors >= 0),
    server_errors INTEGER NOT NULL CHECK (server_errors >= 0),
    PRIMARY KEY (key_id, hour_start)
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX key_usage_by_hour ON key_usage (hour_start);
  `,
];
