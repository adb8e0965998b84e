import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { AuthCode, EnvEvent, Environment, NewEnvEvent, Session, Token, User } from '../../core/environment.js';
import { nowIso } from '../../core/environment.js';
import { AlreadyExistsError, ConflictError, NotFoundError, ValidationError } from '../../core/errors.js';
import type { EnvironmentFilter, EnvironmentPatch, NewEnvironment, Store } from '../store.js';
import { migrate } from './schema.js';
import { prepareStatements, type Statements } from './statements.js';
import {
  authCodeParams, jsonOrNull, sessionParams, toAuthCode, toEnvironment, toEvent, toSession, toToken, toUser, tokenParams,
} from './rows.js';

/** How long a write waits for another connection's lock before failing (ms). */
const BUSY_TIMEOUT_MS = 5000;

/**
 * The embedded Store: one SQLite file in WAL mode. Several processes may open the
 * same file; they wait for each other's write locks (busy_timeout) and never lose
 * an update, because environment updates are compare-and-set on `version`.
 */
export class SqliteStore implements Store {
  readonly kind = 'sqlite';
  private readonly s: Statements;

  private constructor(private readonly db: Database.Database) {
    this.s = prepareStatements(db);
  }

  /** Opens (creating the file and its folder if needed) and migrates the database at `path`. */
  static open(path: string): SqliteStore {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    const db = new Database(path);
    try {
      // Another process writing the same file makes us wait, not fail with SQLITE_BUSY.
      db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
      db.pragma('journal_mode = WAL');
      // NORMAL is durable across process crashes in WAL mode; only an OS crash can drop the last commits.
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
      migrate(db, path);
      return new SqliteStore(db);
    } catch (err) {
      db.close();
      throw err;
    }
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  async createEnvironment(env: NewEnvironment, event?: NewEnvEvent): Promise<Environment> {
    const now = nowIso();
    const insert = this.db.transaction(() => {
      const row = this.s.insertEnv.get({
        id: env.id, name: env.name, owner: env.owner, template: env.template,
        spec: JSON.stringify(env.spec), state: env.state, reason: env.reason ?? null,
        generation: env.generation ?? 0, instance: jsonOrNull(env.instance), version: 1,
        created_at: now, updated_at: now, last_active_at: now,
      })!;
      if (event) this.insertEvents(env.id, [event], now);
      return row;
    });
    try {
      return toEnvironment(insert.immediate());
    } catch (err) {
      if (isUniqueViolation(err)) {
        throw String((err as Error).message).includes('environments.name')
          ? new AlreadyExistsError('environment', env.name)
          : new AlreadyExistsError('environment id', env.id);
      }
      throw err;
    }
  }

  async getEnvironment(name: string): Promise<Environment | undefined> {
    const row = this.s.envByName.get(name);
    return row && toEnvironment(row);
  }

  async getEnvironmentById(id: string): Promise<Environment | undefined> {
    const row = this.s.envById.get(id);
    return row && toEnvironment(row);
  }

  async listEnvironments(filter: EnvironmentFilter = {}): Promise<Environment[]> {
    const { owner, states } = filter;
    const rows =
      states === undefined
        ? owner === undefined ? this.s.listAll.all() : this.s.listByOwner.all(owner)
        : owner === undefined ? this.s.listByStates.all(JSON.stringify(states)) : this.s.listByOwnerStates.all(owner, JSON.stringify(states));
    return rows.map(toEnvironment);
  }

  async updateEnvironment(id: string, expectedVersion: number, patch: EnvironmentPatch, events: NewEnvEvent[] = []): Promise<Environment> {
    const now = nowIso();
    const update = this.db.transaction(() => {
      const row = this.s.updateEnv.get({
        id, expected: expectedVersion, now,
        state: patch.state ?? null,
        generation: patch.generation ?? null,
        set_reason: patch.reason === undefined ? 0 : 1,
        reason: patch.reason ?? null,
        set_instance: patch.instance === undefined ? 0 : 1,
        instance: jsonOrNull(patch.instance),
      });
      if (!row) {
        const current = this.s.envVersion.get(id);
        if (!current) throw new NotFoundError('environment', id, 'it may have been deleted; list environments again');
        throw new ConflictError(
          `environment "${current.name}" changed while you were updating it (now version ${current.version}, you read ${expectedVersion}); read it again and retry`,
        );
      }
      this.insertEvents(id, events, now);
      return row;
    });
    // IMMEDIATE: take the write lock up front rather than upgrading a read lock, which
    // in WAL mode fails at once (SQLITE_BUSY_SNAPSHOT) instead of waiting.
    return toEnvironment(update.immediate());
  }

  async removeEnvironment(id: string): Promise<void> {
    this.db.transaction(() => {
      this.s.deleteEvents.run(id);
      this.s.deleteEnv.run(id);
    }).immediate();
  }

  async touchActivity(id: string, at: string): Promise<void> {
    this.s.touchEnv.run({ id, at: normalizeTime(at, 'at') });
  }

  async appendEvents(id: string, events: NewEnvEvent[]): Promise<void> {
    if (events.length === 0) return;
    this.db.transaction(() => this.insertEvents(id, events, nowIso())).immediate();
  }

  async listEvents(id: string): Promise<EnvEvent[]> {
    return this.s.eventsOf.all(id).map(toEvent);
  }

  async createUser(user: User): Promise<User> {
    this.insertOnce('user', user.name, () => this.s.insertUser.run({ name: user.name, role: user.role, created_at: user.createdAt }));
    return user;
  }

  async getUser(name: string): Promise<User | undefined> {
    const row = this.s.userByName.get(name);
    return row && toUser(row);
  }

  async listUsers(): Promise<User[]> {
    return this.s.listUsers.all().map(toUser);
  }

  async createToken(token: Token): Promise<Token> {
    this.insertOnce('token', token.id, () => this.s.insertToken.run(tokenParams(token)));
    return token;
  }

  async getToken(id: string): Promise<Token | undefined> {
    const row = this.s.tokenById.get(id);
    return row && toToken(row);
  }

  async listTokens(user?: string): Promise<Token[]> {
    return (user === undefined ? this.s.listTokens.all() : this.s.listTokensOf.all(user)).map(toToken);
  }

  async revokeToken(id: string, at: string): Promise<void> {
    this.s.revokeToken.run(at, id);
  }

  async markTokenUsed(id: string, at: string): Promise<void> {
    this.s.markTokenUsed.run(at, id);
  }

  async createSession(session: Session): Promise<Session> {
    this.insertOnce('session', session.id, () => this.s.insertSession.run(sessionParams(session)));
    return session;
  }

  async getSession(id: string): Promise<Session | undefined> {
    const row = this.s.sessionById.get(id);
    return row && toSession(row);
  }

  async revokeSession(id: string, at: string): Promise<void> {
    this.s.revokeSession.run(at, id);
  }

  async createAuthCode(code: AuthCode): Promise<void> {
    this.insertOnce('auth code', code.hash.slice(0, 8), () => this.s.insertAuthCode.run(authCodeParams(code)));
  }

  async consumeAuthCode(hash: string): Promise<AuthCode | undefined> {
    const row = this.s.consumeAuthCode.get(hash);
    return row && toAuthCode(row);
  }

  async getSetting(key: string): Promise<string | undefined> {
    return this.s.settingByKey.get(key)?.value;
  }

  async putSettingIfAbsent(key: string, value: string): Promise<string> {
    return this.db.transaction(() => {
      this.s.insertSettingIfAbsent.run(key, value);
      return this.s.settingByKey.get(key)!.value;
    }).immediate();
  }

  async acquireLease(key: string, holder: string, ttlMs: number, now = Date.now()): Promise<boolean> {
    return this.db.transaction(() => {
      const lease = this.s.leaseByKey.get(key);
      // Compared here, not in SQL, so the rule reads the same as the DynamoDB adapter's.
      const free = !lease || lease.expires_at <= now || lease.holder === holder;
      if (free) this.s.upsertLease.run({ key, holder, expires_at: now + ttlMs });
      return free;
    }).immediate();
  }

  async releaseLease(key: string, holder: string): Promise<void> {
    this.s.releaseLease.run(key, holder);
  }

  /** Inserts events inside the caller's transaction; an unknown environment is NotFoundError. */
  private insertEvents(envId: string, events: readonly NewEnvEvent[], now: string): void {
    try {
      for (const e of events) this.s.insertEvent.run({ env_id: envId, at: e.at ?? now, type: e.type, message: e.message });
    } catch (err) {
      if (sqliteCode(err) === 'SQLITE_CONSTRAINT_FOREIGNKEY') throw new NotFoundError('environment', envId);
      throw err;
    }
  }

  /** Runs an insert, turning a key collision into AlreadyExistsError. */
  private insertOnce(kind: string, key: string, insert: () => unknown): void {
    try {
      insert();
    } catch (err) {
      if (isUniqueViolation(err)) throw new AlreadyExistsError(kind, key);
      throw err;
    }
  }
}

function sqliteCode(err: unknown): string | undefined {
  return err instanceof Database.SqliteError ? err.code : undefined;
}

function isUniqueViolation(err: unknown): boolean {
  const code = sqliteCode(err);
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/** Canonical ISO form, so timestamps compare correctly as text in SQL. */
function normalizeTime(at: string, field: string): string {
  const ms = Date.parse(at);
  if (Number.isNaN(ms)) throw new ValidationError(`${field} "${at}" is not an ISO-8601 timestamp`, field);
  return new Date(ms).toISOString();
}
