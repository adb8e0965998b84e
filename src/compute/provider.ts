import type { Environment, Instance } from '../core/environment.js';
import type { Template } from '../core/template.js';

/** Everything a provider needs to launch one start of an environment. */
export interface StartRequest {
  envId: string;
  name: string;
  owner: string;
  /** Start generation: (envId, generation) identifies one start; a retried start must not launch twice. */
  generation: number;
  spec: Template;
}

/** What the provider sees of an instance right now. */
export interface Observation {
  /**
   * - `starting`: launched, not ready yet
   * - `running`: ready to serve
   * - `exited`: it stopped on its own or was stopped (`reason`, `exitCode`)
   * - `gone`: the provider knows nothing of it
   */
  status: 'starting' | 'running' | 'exited' | 'gone';
  address?: string;
  ports?: Record<string, number>;
  reason?: string;
  /** What to check or fix, when the provider can tell (e.g. a missing VPC endpoint). */
  hint?: string;
  exitCode?: number;
  /** Provider milestones with timestamps (e.g. image pulled), for the timeline. */
  milestones?: { type: 'provisioning' | 'image_pulled' | 'started'; at: string }[];
}

export interface ReadyResult {
  ready: boolean;
  instance: Instance;
  reason?: string;
  hint?: string;
}

export interface LogOptions {
  /** Lines from the end to start with. @default 100 */
  tail?: number;
  follow?: boolean;
  signal?: AbortSignal;
}

/**
 * Runs environments. Implementations: `local` (process groups; embedded default)
 * and `ecs` (ECS tasks). The orchestrator calls these only after it has persisted
 * the transition that asks for them, so every method must be idempotent.
 */
export interface ComputeProvider {
  readonly kind: string;
  /** Launches one start of an environment and returns its handle without waiting for readiness. */
  start(req: StartRequest): Promise<Instance>;
  /** Waits until the instance is ready, fails, or `timeoutMs` passes. */
  waitReady(instance: Instance, spec: Template, opts: { timeoutMs: number; signal?: AbortSignal }): Promise<ReadyResult>;
  /** Asks the instance to stop and waits until it has (SIGTERM then SIGKILL; StopTask). Idempotent. */
  stop(instance: Instance, reason: string): Promise<void>;
  /** Releases what outlives a stop (home folder, EFS access point). Called once the environment is deleted. */
  destroy(env: Pick<Environment, 'id' | 'name'>): Promise<void>;
  /** Observes many instances in as few calls as the provider allows; keyed by instance id. */
  observe(instances: readonly Instance[]): Promise<Map<string, Observation>>;
  /** Instances this runner launched that are still alive, for adoption and orphan clean-up. */
  list(): Promise<(Instance & { envId?: string; generation?: number })[]>;
  /** The environment's output, oldest first; with `follow`, keeps yielding until aborted. */
  logs(env: Pick<Environment, 'id' | 'name'>, opts?: LogOptions): AsyncIterable<string>;
  close?(): Promise<void>;
}
