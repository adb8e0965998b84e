import { InvalidTransitionError } from './errors.js';

/** Every state an environment can be in. */
export const ENV_STATES = [
  'pending',
  'starting',
  'running',
  'stopping',
  'stopped',
  'deleting',
  'deleted',
  'failed',
] as const;
export type EnvState = (typeof ENV_STATES)[number];

/**
 * The allowed transitions. `failed` is reachable from every working state; a failed
 * environment can be started again, stopped (to release what is left) or deleted.
 */
const TRANSITIONS: Readonly<Record<EnvState, readonly EnvState[]>> = {
  pending: ['starting', 'deleting', 'failed'],
  starting: ['running', 'stopping', 'deleting', 'failed'],
  running: ['stopping', 'deleting', 'failed'],
  stopping: ['stopped', 'deleting', 'failed'],
  stopped: ['starting', 'deleting'],
  failed: ['starting', 'stopping', 'stopped', 'deleting'],
  deleting: ['deleted', 'failed'],
  deleted: [],
};

/** Whether `from → to` is a legal transition. */
export function canTransition(from: EnvState, to: EnvState): boolean {
  return TRANSITIONS[from].includes(to);
}

/** Throws InvalidTransitionError unless `from → to` is legal. */
export function assertTransition(from: EnvState, to: EnvState, name?: string): void {
  if (!canTransition(from, to)) throw new InvalidTransitionError(from, to, name);
}

/** States in which the provider may have something running that costs money. */
export const ACTIVE_STATES: readonly EnvState[] = ['starting', 'running', 'stopping', 'deleting'];

/** States that are the end of some piece of work (nothing in flight). */
export function isSettled(state: EnvState): boolean {
  return state === 'running' || state === 'stopped' || state === 'failed' || state === 'deleted';
}
