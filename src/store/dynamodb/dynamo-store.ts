import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AuthCode, EnvEvent, Environment, NewEnvEvent, Session, Token, User } from '../../core/environment.js';
import { ConfigError } from '../../core/errors.js';
import type { EnvironmentFilter, EnvironmentPatch, NewEnvironment, Store } from '../store.js';
import * as coordination from './coordination.js';
import type { Db } from './db.js';
import * as environments from './environments.js';
import * as identity from './identity.js';
import { assertTableExists, ensureTable } from './table.js';
import { readTimeline } from './timeline.js';

/** How to reach the table. */
export interface DynamoStoreOptions {
  /** Table name (from config `store.table` or the stack outputs). */
  table: string;
  /** AWS region. @default the SDK's resolution (AWS_REGION, profile, instance metadata) */
  region?: string;
  /** Endpoint override, e.g. a local test server. @default the regional DynamoDB endpoint */
  endpoint?: string;
  /** A client to use instead of building one; the store will not destroy it on close. */
  client?: DynamoDBClient;
  /** Create the table (and wait for it) when it is missing. @default false: a missing table is a config error */
  createTable?: boolean;
}

/**
 * The Store on one DynamoDB table, safe for several runner replicas: every write is a
 * single-item conditional write (no transactions), environment updates are
 * compare-and-set on `version`, and leases expire by timestamp. Design: docs/dynamodb.md.
 */
export class DynamoStore implements Store {
  readonly kind = 'dynamodb';
  private readonly db: Db;

  private constructor(
    private readonly client: DynamoDBClient,
    private readonly ownsClient: boolean,
    table: string,
  ) {
    // Optional fields are left out rather than written as NULL.
    this.db = { doc: DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } }), table };
  }

  /** Connects to `table`, creating it first if asked to. */
  static async open(options: DynamoStoreOptions): Promise<DynamoStore> {
    if (!/^[A-Za-z0-9_.-]{3,255}$/.test(options.table)) {
      throw new ConfigError(`DynamoDB table name "${options.table}" is not valid: use 3-255 letters, digits, "_", "-" or "."`, 'store.table');
    }
    const owns = !options.client;
    const client =
      options.client ??
      new DynamoDBClient({
        ...(options.region ? { region: options.region } : {}),
        ...(options.endpoint ? { endpoint: options.endpoint } : {}),
        // Adaptive retries back off under throttling instead of hammering a hot partition.
        retryMode: 'adaptive',
        maxAttempts: 5,
      });
    try {
      if (options.createTable) await ensureTable(client, options.table);
      else await assertTableExists(client, options.table);
    } catch (err) {
      if (owns) client.destroy();
      throw err;
    }
    return new DynamoStore(client, owns, options.table);
  }

  async close(): Promise<void> {
    if (this.ownsClient) this.client.destroy();
  }

  createEnvironment(env: NewEnvironment, event?: NewEnvEvent): Promise<Environment> {
    return environments.createEnvironment(this.db, env, event);
  }
  getEnvironment(name: string): Promise<Environment | undefined> {
    return environments.getByName(this.db, name);
  }
  getEnvironmentById(id: string): Promise<Environment | undefined> {
    return environments.getById(this.db, id);
  }
  listEnvironments(filter?: EnvironmentFilter): Promise<Environment[]> {
    return environments.listEnvironments(this.db, filter);
  }
  updateEnvironment(id: string, expectedVersion: number, patch: EnvironmentPatch, events?: NewEnvEvent[]): Promise<Environment> {
    return environments.updateEnvironment(this.db, id, expectedVersion, patch, events);
  }
  removeEnvironment(id: string): Promise<void> {
    return environments.removeEnvironment(this.db, id);
  }
  touchActivity(id: string, at: string): Promise<void> {
    return environments.touchActivity(this.db, id, at);
  }
  appendEvents(id: string, events: NewEnvEvent[]): Promise<void> {
    return environments.appendEvents(this.db, id, events);
  }
  listEvents(id: string): Promise<EnvEvent[]> {
    return readTimeline(this.db, id);
  }

  createUser(user: User): Promise<User> {
    return identity.createUser(this.db, user);
  }
  getUser(name: string): Promise<User | undefined> {
    return identity.getUser(this.db, name);
  }
  listUsers(): Promise<User[]> {
    return identity.listUsers(this.db);
  }
  createToken(token: Token): Promise<Token> {
    return identity.createToken(this.db, token);
  }
  getToken(id: string): Promise<Token | undefined> {
    return identity.getToken(this.db, id);
  }
  listTokens(user?: string): Promise<Token[]> {
    return identity.listTokens(this.db, user);
  }
  revokeToken(id: string, at: string): Promise<void> {
    return identity.revokeToken(this.db, id, at);
  }
  markTokenUsed(id: string, at: string): Promise<void> {
    return identity.markTokenUsed(this.db, id, at);
  }
  createSession(session: Session): Promise<Session> {
    return identity.createSession(this.db, session);
  }
  getSession(id: string): Promise<Session | undefined> {
    return identity.getSession(this.db, id);
  }
  revokeSession(id: string, at: string): Promise<void> {
    return identity.revokeSession(this.db, id, at);
  }
  createAuthCode(code: AuthCode): Promise<void> {
    return identity.createAuthCode(this.db, code);
  }
  consumeAuthCode(hash: string): Promise<AuthCode | undefined> {
    return identity.consumeAuthCode(this.db, hash);
  }

  getSetting(key: string): Promise<string | undefined> {
    return coordination.getSetting(this.db, key);
  }
  putSettingIfAbsent(key: string, value: string): Promise<string> {
    return coordination.putSettingIfAbsent(this.db, key, value);
  }
  acquireLease(key: string, holder: string, ttlMs: number, now?: number): Promise<boolean> {
    return coordination.acquireLease(this.db, key, holder, ttlMs, now);
  }
  releaseLease(key: string, holder: string): Promise<void> {
    return coordination.releaseLease(this.db, key, holder);
  }
}
