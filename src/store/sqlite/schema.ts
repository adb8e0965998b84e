import type Database from 'better-sqlite3';
import { ConfigError } from '../../core/errors.js';

/**
 * The schema, as an ordered list of migrations. Migration i (0-based) takes a
 * database from `PRAGMA user_version = i` to `i + 1`. Never edit a released
 * migration: append a new one, so every existing file can be brought forward.
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE environments (
    id             TEXT PRIMARY KEY,
    name           TEXT NOT NULL,
    owner          TEXT NOT NULL,
    template       TEXT NOT NULL,
    spec           TEXT NOT NULL,            -- the resolved Template, JSON
    state          TEXT NOT NULL,
    reason         TEXT,
    generation     INTEGER NOT NULL DEFAULT 0,
    instance       TEXT,                     -- Instance, JSON
    version        INTEGER NOT NULL,         -- compare-and-set counter
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    last_active_at TEXT NOT NULL
  ) STRICT;
  -- Names are unique among live records; a removed environment frees its name.
  CREATE UNIQUE INDEX environments_name ON environments (name);
  CREATE INDEX environments_owner_state ON environments (owner, state);
  CREATE INDEX environments_state ON environments (state);

  CREATE TABLE events (
    seq     INTEGER PRIMARY KEY AUTOINCREMENT,
    env_id  TEXT NOT NULL REFERENCES environments (id) ON DELETE CASCADE,
    at      TEXT NOT NULL,
    type    TEXT NOT NULL,
    message TEXT NOT NULL
  ) STRICT;
  CREATE INDEX events_env ON events (env_id, at, seq);

  CREATE TABLE users (
    name       TEXT PRIMARY KEY,
    role       TEXT NOT NULL,
    created_at TEXT NOT NULL
  ) STRICT;

  CREATE TABLE tokens (
    id           TEXT PRIMARY KEY,
    user_name    TEXT NOT NULL,
    label        TEXT NOT NULL,
    hash         TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    expires_at   TEXT,
    revoked_at   TEXT,
    last_used_at TEXT
  ) STRICT;
  CREATE INDEX tokens_user ON tokens (user_name);

  CREATE TABLE sessions (
    id         TEXT PRIMARY KEY,
    user_name  TEXT NOT NULL,
    host       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    revoked_at TEXT
  ) STRICT;

  CREATE TABLE auth_codes (
    hash       TEXT PRIMARY KEY,
    user_name  TEXT NOT NULL,
    host       TEXT NOT NULL,
    expires_at TEXT NOT NULL
  ) STRICT;

  CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
  ) STRICT;

  CREATE TABLE leases (
    key        TEXT PRIMARY KEY,
    holder     TEXT NOT NULL,
    expires_at INTEGER NOT NULL              -- epoch milliseconds
  ) STRICT;
  `,
];

/** The schema version this build writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/** Reads PRAGMA user_version. */
export function schemaVersion(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/**
 * Brings the database to SCHEMA_VERSION, one migration per transaction, and refuses
 * a database written by a newer Airlock (its schema may mean things we would break).
 */
export function migrate(db: Database.Database, path: string): void {
  const refuseNewer = (found: number): never => {
    throw new ConfigError(
      `database ${path} has schema version ${found}, but this Airlock only knows versions up to ${SCHEMA_VERSION}; ` +
        'upgrade Airlock, or point store.path at another file',
      'store.path',
    );
  };
  const found = schemaVersion(db);
  if (found > SCHEMA_VERSION) refuseNewer(found);
  for (let next = found; next < SCHEMA_VERSION; next++) {
    // IMMEDIATE takes the write lock first, so two processes opening a fresh file
    // migrate one after the other; the re-read skips what the other one already did.
    db.transaction(() => {
      const current = schemaVersion(db);
      if (current > next) return;
      db.exec(MIGRATIONS[next]!);
      db.pragma(`user_version = ${next + 1}`);
    }).immediate();
  }
  const after = schemaVersion(db);
  if (after > SCHEMA_VERSION) refuseNewer(after);
}
