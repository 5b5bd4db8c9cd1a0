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
];
