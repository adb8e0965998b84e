import type Database from 'better-sqlite3';
import { ENV_COLUMNS, type AuthCodeRow, type EnvParams, type EnvTuple, type EventRow, type LeaseRow, type SessionRow, type TokenRow, type UserRow } from './rows.js';

/** Parameters of the compare-and-set update; `set_*` are 1 when the patch names that nullable field. */
export interface UpdateEnvParams {
  id: string;
  expected: number;
  now: string;
  state: string | null;
  generation: number | null;
  set_reason: 0 | 1;
  reason: string | null;
  set_instance: 0 | 1;
  instance: string | null;
}

export interface EventParams extends EventRow {}

/**
 * Every statement the store runs, prepared once per connection: preparing is a
 * large share of a small query's cost, and the API lists environments a lot.
 */
export function prepareStatements(db: Database.Database) {
  /** An environment query whose rows come back as EnvTuple. */
  const envQuery = <P extends unknown[] | {}>(sql: string) => db.prepare<P, EnvTuple>(sql).raw();
  return {
    insertEnv: envQuery<EnvParams>(
      `INSERT INTO environments (${ENV_COLUMNS})
       VALUES (@id, @name, @owner, @template, @spec, @state, @reason, @generation, @instance, @version, @created_at, @updated_at, @last_active_at)
       RETURNING ${ENV_COLUMNS}`,
    ),
    envByName: envQuery<[string]>(`SELECT ${ENV_COLUMNS} FROM environments WHERE name = ?`),
    envById: envQuery<[string]>(`SELECT ${ENV_COLUMNS} FROM environments WHERE id = ?`),
    envVersion: db.prepare<[string], { version: number; name: string }>('SELECT version, name FROM environments WHERE id = ?'),
    // One statement per filter shape, so each uses its index. States arrive as a
    // JSON array so any number of them binds to one prepared statement.
    listAll: envQuery<[]>(`SELECT ${ENV_COLUMNS} FROM environments ORDER BY name`),
    listByOwner: envQuery<[string]>(`SELECT ${ENV_COLUMNS} FROM environments WHERE owner = ? ORDER BY name`),
    listByStates: envQuery<[string]>(
      `SELECT ${ENV_COLUMNS} FROM environments WHERE state IN (SELECT value FROM json_each(?)) ORDER BY name`,
    ),
    listByOwnerStates: envQuery<[string, string]>(
      `SELECT ${ENV_COLUMNS} FROM environments WHERE owner = ? AND state IN (SELECT value FROM json_each(?)) ORDER BY name`,
    ),
    updateEnv: envQuery<UpdateEnvParams>(
      `UPDATE environments SET
         state      = COALESCE(@state, state),
         generation = COALESCE(@generation, generation),
         reason     = CASE WHEN @set_reason THEN @reason ELSE reason END,
         instance   = CASE WHEN @set_instance THEN @instance ELSE instance END,
         version    = version + 1,
         updated_at = @now
       WHERE id = @id AND version = @expected
       RETURNING ${ENV_COLUMNS}`,
    ),
    // ISO-8601 UTC strings from toISOString() order correctly as text.
    touchEnv: db.prepare<{ id: string; at: string }>(
      'UPDATE environments SET last_active_at = @at WHERE id = @id AND last_active_at < @at',
    ),
    deleteEnv: db.prepare<[string]>('DELETE FROM environments WHERE id = ?'),

    insertEvent: db.prepare<EventParams>('INSERT INTO events (env_id, at, type, message) VALUES (@env_id, @at, @type, @message)'),
    eventsOf: db.prepare<[string], EventRow>('SELECT env_id, at, type, message FROM events WHERE env_id = ? ORDER BY at, seq'),
    deleteEvents: db.prepare<[string]>('DELETE FROM events WHERE env_id = ?'),

    insertUser: db.prepare<UserRow>('INSERT INTO users (name, role, created_at) VALUES (@name, @role, @created_at)'),
    userByName: db.prepare<[string], UserRow>('SELECT * FROM users WHERE name = ?'),
    listUsers: db.prepare<[], UserRow>('SELECT * FROM users ORDER BY name'),

    insertToken: db.prepare<TokenRow>(
      `INSERT INTO tokens (id, user_name, label, hash, created_at, expires_at, revoked_at, last_used_at)
       VALUES (@id, @user_name, @label, @hash, @created_at, @expires_at, @revoked_at, @last_used_at)`,
    ),
    tokenById: db.prepare<[string], TokenRow>('SELECT * FROM tokens WHERE id = ?'),
    listTokens: db.prepare<[], TokenRow>('SELECT * FROM tokens ORDER BY created_at, id'),
    listTokensOf: db.prepare<[string], TokenRow>('SELECT * FROM tokens WHERE user_name = ? ORDER BY created_at, id'),
    revokeToken: db.prepare<[string, string]>('UPDATE tokens SET revoked_at = ? WHERE id = ?'),
    markTokenUsed: db.prepare<[string, string]>('UPDATE tokens SET last_used_at = ? WHERE id = ?'),

    insertSession: db.prepare<SessionRow>(
      `INSERT INTO sessions (id, user_name, host, created_at, expires_at, revoked_at)
       VALUES (@id, @user_name, @host, @created_at, @expires_at, @revoked_at)`,
    ),
    sessionById: db.prepare<[string], SessionRow>('SELECT * FROM sessions WHERE id = ?'),
    revokeSession: db.prepare<[string, string]>('UPDATE sessions SET revoked_at = ? WHERE id = ?'),

    insertAuthCode: db.prepare<AuthCodeRow>(
      'INSERT INTO auth_codes (hash, user_name, host, expires_at) VALUES (@hash, @user_name, @host, @expires_at)',
    ),
    // One statement reads and deletes, so two consumers can never both get the code.
    consumeAuthCode: db.prepare<[string], AuthCodeRow>('DELETE FROM auth_codes WHERE hash = ? RETURNING *'),

    settingByKey: db.prepare<[string], { value: string }>('SELECT value FROM settings WHERE key = ?'),
    insertSettingIfAbsent: db.prepare<[string, string]>('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING'),

    leaseByKey: db.prepare<[string], LeaseRow>('SELECT holder, expires_at FROM leases WHERE key = ?'),
    upsertLease: db.prepare<{ key: string; holder: string; expires_at: number }>(
      `INSERT INTO leases (key, holder, expires_at) VALUES (@key, @holder, @expires_at)
       ON CONFLICT (key) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at`,
    ),
    releaseLease: db.prepare<[string, string]>('DELETE FROM leases WHERE key = ? AND holder = ?'),
  };
}

export type Statements = ReturnType<typeof prepareStatements>;
