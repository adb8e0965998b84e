import type { Environment } from '../core/environment.js';

/** A change to one environment, published after it is stored. `env` is undefined once it is removed. */
export interface EnvChange {
  id: string;
  name: string;
  env?: Environment;
}

type Listener = (change: EnvChange) => void;

/** In-process fan-out of environment changes (proxy routes, dashboard live updates). */
export class ChangeFeed {
  private readonly listeners = new Set<Listener>();

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  publish(change: EnvChange): void {
    for (const l of this.listeners) {
      try {
        l(change);
      } catch {
        // A listener's failure must not break the orchestrator's flow.
      }
    }
  }

  get size(): number {
    return this.listeners.size;
  }
}
