import type { EnvState } from './lifecycle.js';
import type { Template } from './template.js';

/**
 * What the compute provider launched for one start of an environment. Locally `id`
 * is the process group id; on ECS it is the task ARN. `ports` maps each declared
 * port to the port to dial at `address` (identical on ECS, allocated locally).
 */
export interface Instance {
  provider: string;
  id: string;
  address?: string;
  ports?: Record<string, number>;
  /** Provider-specific details worth keeping (log path, access point id, start time). */
  meta?: Record<string, string>;
}

/** One development environment. */
export interface Environment {
  /** Random, never reused: names can be reused after delete, ids cannot. */
  id: string;
  /** Unique among live environments; a host-name label. */
  name: string;
  owner: string;
  template: string;
  /** The template as resolved when the environment was created. */
  spec: Template;
  state: EnvState;
  /** Why it failed or stopped, in words. */
  reason?: string;
  /** Incremented on every start: a provider uses (id, generation) to make starts idempotent. */
  generation: number;
  instance?: Instance;
  /** Optimistic-concurrency version: every update must name the version it read. */
  version: number;
  createdAt: string;
  updatedAt: string;
  /** Last proxy traffic (or start), for idle auto-stop. */
  lastActiveAt: string;
}

export const EVENT_TYPES = [
  'created',
  'queued',
  'provisioning',
  'image_pulled',
  'started',
  'ready',
  'stopping',
  'stopped',
  'idle_stop',
  'failed',
  'restarted',
  'deleting',
  'deleted',
  'adopted',
  'note',
] as const;
export type EnvEventType = (typeof EVENT_TYPES)[number];

/** One entry of an environment's timeline. */
export interface EnvEvent {
  envId: string;
  at: string;
  type: EnvEventType;
  message: string;
}

/** An event before it is stored. */
export type NewEnvEvent = Omit<EnvEvent, 'envId' | 'at'> & { at?: string };

export const ROLES = ['admin', 'member'] as const;
export type Role = (typeof ROLES)[number];

export interface User {
  name: string;
  role: Role;
  createdAt: string;
}

/** An API token. The secret is never stored: only its SHA-256 hash. */
export interface Token {
  id: string;
  user: string;
  label: string;
  hash: string;
  createdAt: string;
  expiresAt?: string;
  revokedAt?: string;
  lastUsedAt?: string;
}

/** A browser session on one host (the dashboard or one environment host). */
export interface Session {
  id: string;
  user: string;
  host: string;
  createdAt: string;
  expiresAt: string;
  revokedAt?: string;
}

/** A short-lived, single-use code the proxy exchanges for a session on `host`. */
export interface AuthCode {
  hash: string;
  user: string;
  host: string;
  expiresAt: string;
}

/** The ISO timestamp for now (injectable clocks pass their own). */
export function nowIso(): string {
  return new Date().toISOString();
}
