import type { AuthCode, EnvEvent, Environment, NewEnvEvent, Session, Token, User } from '../core/environment.js';
import type { EnvState } from '../core/lifecycle.js';

/** The fields of a new environment; the store sets version 1 and the timestamps. */
export type NewEnvironment = Pick<Environment, 'id' | 'name' | 'owner' | 'template' | 'spec' | 'state'> &
  Partial<Pick<Environment, 'generation' | 'instance' | 'reason'>>;

/**
 * The fields an update may change. `instance: null` / `reason: null` clear them.
 * `lastActiveAt` is not here: activity goes through `touchActivity`, which never conflicts.
 */
export interface EnvironmentPatch {
  state?: EnvState;
  reason?: string | null;
  generation?: number;
  instance?: Environment['instance'] | null;
}

export interface EnvironmentFilter {
  owner?: string;
  states?: readonly EnvState[];
}

/**
 * Where Airlock keeps its state. Implementations: `sqlite` (embedded default) and
 * `dynamodb` (AWS). All methods are async so either fits; every one is safe to
 * call from several runner replicas at once.
 *
 * Failure contract:
 * - `createEnvironment` throws AlreadyExistsError when a live environment has the name.
 * - `updateEnvironment` throws ConflictError when `expectedVersion` is stale, and
 *   NotFoundError when the environment is gone. It never half-applies.
 */
export interface Store {
  readonly kind: string;
  close(): Promise<void>;

  // Environments
  createEnvironment(env: NewEnvironment, event?: NewEnvEvent): Promise<Environment>;
  getEnvironment(name: string): Promise<Environment | undefined>;
  getEnvironmentById(id: string): Promise<Environment | undefined>;
  listEnvironments(filter?: EnvironmentFilter): Promise<Environment[]>;
  /** Compare-and-set: applies `patch` only if the stored version is `expectedVersion`; appends `events` with it. */
  updateEnvironment(id: string, expectedVersion: number, patch: EnvironmentPatch, events?: NewEnvEvent[]): Promise<Environment>;
  /** Removes the environment record (after it reached `deleted`); its events go with it. Idempotent. */
  removeEnvironment(id: string): Promise<void>;
  /** Records traffic: sets lastActiveAt to `at` if that is later. Never bumps the version. */
  touchActivity(id: string, at: string): Promise<void>;
  appendEvents(id: string, events: NewEnvEvent[]): Promise<void>;
  /** The timeline, oldest first. */
  listEvents(id: string): Promise<EnvEvent[]>;

  // Users and tokens
  createUser(user: User): Promise<User>;
  getUser(name: string): Promise<User | undefined>;
  listUsers(): Promise<User[]>;
  createToken(token: Token): Promise<Token>;
  getToken(id: string): Promise<Token | undefined>;
  listTokens(user?: string): Promise<Token[]>;
  revokeToken(id: string, at: string): Promise<void>;
  markTokenUsed(id: string, at: string): Promise<void>;

  // Browser sessions and the proxy's one-time codes
  createSession(session: Session): Promise<Session>;
  getSession(id: string): Promise<Session | undefined>;
  revokeSession(id: string, at: string): Promise<void>;
  createAuthCode(code: AuthCode): Promise<void>;
  /** Returns the code and deletes it, atomically: a code works once. Undefined if unknown or already used. */
  consumeAuthCode(hash: string): Promise<AuthCode | undefined>;

  // Runner settings (e.g. the session signing key), first writer wins
  getSetting(key: string): Promise<string | undefined>;
  /** Sets `key` only if absent; returns the value that is stored afterwards. */
  putSettingIfAbsent(key: string, value: string): Promise<string>;

  // Leases: only the holder of `key` may drive that piece of work until `expiresAt`
  /** Takes or renews the lease if free, expired, or already ours. True when we hold it. */
  acquireLease(key: string, holder: string, ttlMs: number, now?: number): Promise<boolean>;
  releaseLease(key: string, holder: string): Promise<void>;
}
