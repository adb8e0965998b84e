import type { Environment } from '../core/environment.js';
import type { EnvState } from '../core/lifecycle.js';
import type { ShareLevel } from '../core/template.js';
import type { Store } from '../store/store.js';
import type { Logger } from '../telemetry/logger.js';

/** One declared port of an environment, as the proxy dials it. */
export interface RoutePort {
  /** The port to dial at the route's address (allocated locally; the declared port on ECS). */
  target: number;
  share: ShareLevel;
}

/** What the proxy needs to know about one environment; built once per change, read on every request. */
export interface Route {
  envId: string;
  name: string;
  owner: string;
  state: EnvState;
  reason: string | undefined;
  /** Where the workload listens; only set while an instance exists. */
  address: string | undefined;
  ports: Map<number, RoutePort>;
  /** The first declared port (the IDE). */
  defaultPort: number | undefined;
  /** The store version this route was built from; older snapshots never replace newer ones. */
  version: number;
}

export interface RouteCacheOptions {
  /** Reload everything from the store this often (ms); 0 disables polling. @default 2000 */
  pollMs?: number;
  logger?: Pick<Logger, 'warn'>;
}

/** Builds a route from a stored environment. */
export function toRoute(env: Environment): Route {
  const ports = new Map<number, RoutePort>();
  const allocated = env.instance?.ports;
  for (const p of env.spec.ports) {
    ports.set(p.port, { target: allocated?.[String(p.port)] ?? p.port, share: p.share });
  }
  return {
    envId: env.id,
    name: env.name,
    owner: env.owner,
    state: env.state,
    reason: env.reason,
    address: env.instance?.address,
    ports,
    defaultPort: env.spec.ports[0]?.port,
    version: env.version,
  };
}

/**
 * Every environment's route, in memory, so a request never waits for the store.
 * Kept fresh two ways: the orchestrator calls `upsert(env)` on every change when it
 * runs in the same process, and a poll reloads the whole list (for `airlock proxy`
 * running alone, and to catch changes made by other replicas).
 */
export class RouteCache {
  private routes = new Map<string, Route>();
  private timer: NodeJS.Timeout | undefined;
  private loading: Promise<void> | undefined;
  /** Changes applied while a reload is reading the store; replayed over its result. */
  private during: Map<string, Route | null> | undefined;
  private closed = false;

  private constructor(
    private readonly store: Pick<Store, 'listEnvironments'>,
    private readonly opts: RouteCacheOptions,
  ) {}

  /** Loads every environment and starts polling. */
  static async load(store: Pick<Store, 'listEnvironments'>, opts: RouteCacheOptions = {}): Promise<RouteCache> {
    const cache = new RouteCache(store, opts);
    await cache.invalidate();
    const pollMs = opts.pollMs ?? 2000;
    if (pollMs > 0) {
      cache.timer = setInterval(() => {
        cache.invalidate().catch((err: unknown) => opts.logger?.warn({ err }, 'could not reload proxy routes; serving the last known ones'));
      }, pollMs);
      cache.timer.unref();
    }
    return cache;
  }

  /** The route for an environment name, or undefined when there is none. */
  get(name: string): Route | undefined {
    return this.routes.get(name);
  }

  /** How many environments are known. */
  get size(): number {
    return this.routes.size;
  }

  /** Applies one changed environment at once (deleted ones are dropped). */
  upsert(env: Environment): void {
    const known = this.routes.get(env.name);
    if (env.state === 'deleted') {
      if (known && known.envId === env.id) this.remove(env.name);
      return;
    }
    if (known && known.envId === env.id && known.version > env.version) return;
    const route = toRoute(env);
    this.routes.set(env.name, route);
    this.during?.set(env.name, route);
  }

  /** Forgets an environment by name. */
  remove(name: string): void {
    this.routes.delete(name);
    this.during?.set(name, null);
  }

  /** Reloads every route from the store; concurrent calls share one load. */
  invalidate(): Promise<void> {
    this.loading ??= this.reload().finally(() => {
      this.loading = undefined;
    });
    return this.loading;
  }

  /** Stops polling. */
  close(): void {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
  }

  private async reload(): Promise<void> {
    const during = (this.during = new Map());
    let envs: Environment[];
    try {
      envs = await this.store.listEnvironments();
    } finally {
      this.during = undefined;
    }
    if (this.closed && this.routes.size > 0) return;
    const next = new Map<string, Route>();
    for (const env of envs) {
      if (env.state === 'deleted') continue;
      const known = this.routes.get(env.name);
      // An upsert that landed while the list was being read is newer than the list.
      next.set(env.name, known && known.envId === env.id && known.version > env.version ? known : toRoute(env));
    }
    for (const [name, route] of during) {
      if (route) next.set(name, route);
      else next.delete(name);
    }
    this.routes = next;
  }
}
