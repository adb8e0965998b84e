import type { Environment, Instance, NewEnvEvent, User } from '../core/environment.js';
import { ConflictError, NotFoundError, isUserError } from '../core/errors.js';
import { validateName, newId } from '../core/ids.js';
import { assertTransition, type EnvState } from '../core/lifecycle.js';
import type { ComputeProvider } from '../compute/provider.js';
import type { EnvironmentPatch, Store } from '../store/store.js';
import type { Logger } from '../telemetry/logger.js';
import { assertCanManage, canManage } from './access.js';
import { ChangeFeed } from './changes.js';
import type { TemplateCatalog } from './templates.js';

export interface OrchestratorOptions {
  store: Store;
  provider: ComputeProvider;
  templates: TemplateCatalog;
  logger: Logger;
  /** Identifies this runner replica in leases. */
  holder?: string;
}

/**
 * How long a replica's claim on one environment's work lasts without renewal. The
 * holder renews it every third of that while the work runs, so a replica that dies
 * (SIGKILL, lost task) hands the environment over within this time.
 */
const DRIVE_LEASE_MS = 15_000;

/**
 * The environment lifecycle. Every transition is written to the store (compare-and-set
 * on the version) before the provider is asked to act; the provider's work then runs in
 * the background and its outcome is written back. The reconciler finishes whatever a
 * crash interrupted.
 */
export class Orchestrator {
  readonly store: Store;
  readonly provider: ComputeProvider;
  readonly templates: TemplateCatalog;
  readonly changes = new ChangeFeed();
  readonly holder: string;
  private readonly log: Logger;
  /** Environments this process is driving right now (start, stop or delete in flight). */
  private readonly inFlight = new Map<string, Promise<void>>();
  /** Aborts the readiness wait of a start that a stop or delete overtook. */
  private readonly launchAborts = new Map<string, AbortController>();
  private closed = false;

  constructor(opts: OrchestratorOptions) {
    this.store = opts.store;
    this.provider = opts.provider;
    this.templates = opts.templates;
    this.log = opts.logger;
    this.holder = opts.holder ?? newId('runner', 6);
  }

  // ---- reads -------------------------------------------------------------------------

  async list(user: User, filter: { owner?: string; states?: EnvState[] } = {}): Promise<Environment[]> {
    const owner = user.role === 'admin' ? filter.owner : user.name;
    return this.store.listEnvironments({ ...(owner ? { owner } : {}), ...(filter.states ? { states: filter.states } : {}) });
  }

  async get(user: User, name: string): Promise<Environment> {
    return assertCanManage(user, await this.store.getEnvironment(name), name);
  }

  // ---- commands ----------------------------------------------------------------------

  /** Creates an environment and starts it; returns once the `pending` record is stored. */
  async create(user: User, input: { name: string; template: string }): Promise<Environment> {
    const name = validateName(input.name);
    const spec = this.templates.get(input.template);
    const env = await this.store.createEnvironment(
      { id: newId('env'), name, owner: user.name, template: spec.name, spec, state: 'pending', generation: 0 },
      { type: 'created', message: `created by ${user.name} from template ${spec.name}` },
    );
    this.publish(env);
    this.log.info({ env: name, template: spec.name, owner: user.name }, 'environment created');
    return this.beginStart(env, 'start requested');
  }

  /** Starts a stopped or failed environment. Starting one that is already starting or running is a no-op. */
  async start(user: User, name: string): Promise<Environment> {
    const env = await this.get(user, name);
    if (env.state === 'running' || env.state === 'starting' || env.state === 'pending') return env;
    return this.beginStart(env, `start requested by ${user.name}`);
  }

  /** Stops an environment. Stopping one that is stopped or stopping is a no-op. */
  async stop(user: User, name: string, reason = `stopped by ${user.name}`): Promise<Environment> {
    const env = await this.get(user, name);
    if (env.state === 'stopped' || env.state === 'stopping') return env;
    return this.beginStop(env, reason, 'stopping');
  }

  /** Deletes an environment: stops what runs, releases its home folder, removes the record. */
  async delete(user: User, name: string): Promise<Environment> {
    const env = await this.get(user, name);
    if (env.state === 'deleting') return env;
    const next = await this.transition(env, 'deleting', {}, [{ type: 'deleting', message: `delete requested by ${user.name}` }]);
    this.launchAborts.get(next.id)?.abort();
    this.drive(next.id, () => this.finishDelete(next.id));
    return next;
  }

  /** Stops an environment that has been idle past its template's timeout. */
  async stopIdle(env: Environment, idleSeconds: number): Promise<Environment | undefined> {
    if (env.state !== 'running') return undefined;
    const mins = Math.round(idleSeconds / 60);
    const reason = `stopped after ${mins >= 1 ? `${mins} min` : `${Math.round(idleSeconds)} s`} without activity (idle timeout ${env.spec.idleTimeout} s)`;
    try {
      return await this.beginStop(env, reason, 'idle_stop');
    } catch (err) {
      if (err instanceof ConflictError) return undefined; // someone else changed it: the next pass decides again
      throw err;
    }
  }

  // ---- the work behind the commands ----------------------------------------------------

  /** Persists `starting` with a new generation, then launches in the background. */
  async beginStart(env: Environment, message: string): Promise<Environment> {
    const next = await this.transition(
      env,
      'starting',
      { generation: env.generation + 1, reason: null, instance: null },
      [{ type: 'queued', message }],
    );
    this.drive(next.id, () => this.launch(next.id, next.generation));
    return next;
  }

  private async beginStop(env: Environment, reason: string, eventType: 'stopping' | 'idle_stop'): Promise<Environment> {
    const next = await this.transition(env, 'stopping', { reason }, [{ type: eventType, message: reason }]);
    this.launchAborts.get(next.id)?.abort();
    this.drive(next.id, () => this.finishStop(next.id));
    return next;
  }

  /** Launches generation `gen` and waits for readiness. Safe to call again after a crash. */
  async launch(id: string, gen: number): Promise<void> {
    let env = await this.store.getEnvironmentById(id);
    if (!env || env.state !== 'starting' || env.generation !== gen) return;
    let instance: Instance;
    try {
      instance = env.instance ?? (await this.provider.start({ envId: env.id, name: env.name, owner: env.owner, generation: gen, spec: env.spec }));
    } catch (err) {
      await this.failIf(id, gen, errorMessage(err));
      return;
    }
    if (!env.instance) {
      const updated = await this.updateIf(id, (e) => e.state === 'starting' && e.generation === gen, { instance }, [
        { type: 'provisioning', message: `launched ${this.provider.kind} instance ${shortId(instance.id)}` },
      ]);
      if (!updated) {
        // A stop or delete overtook this start: what we launched must not keep running.
        await this.provider.stop(instance, 'superseded before it was ready').catch(() => undefined);
        return;
      }
      env = updated;
    }
    const abort = new AbortController();
    this.launchAborts.set(id, abort);
    const result = await this.provider
      .waitReady(instance, env.spec, { timeoutMs: env.spec.startTimeout * 1000, signal: abort.signal })
      .catch((err: unknown) => ({ ready: false, instance, reason: errorMessage(err), hint: undefined }))
      .finally(() => this.launchAborts.delete(id));
    if (abort.signal.aborted) return; // the stop or delete that aborted us finishes the job
    if (result.ready) {
      const started = Date.parse(env.updatedAt);
      const ok = await this.updateIf(id, (e) => e.state === 'starting' && e.generation === gen, { state: 'running', instance: result.instance }, [
        { type: 'ready', message: `ready on ${describePorts(result.instance)}` },
      ]);
      if (ok) await this.store.touchActivity(id, new Date().toISOString());
      if (!ok) await this.provider.stop(result.instance, 'superseded before it was ready').catch(() => undefined);
      else this.log.info({ env: env.name, ms: Date.now() - started }, 'environment ready');
      return;
    }
    await this.provider.stop(result.instance, 'failed to become ready').catch(() => undefined);
    await this.failIf(id, gen, result.hint ? `${result.reason}. ${result.hint}` : (result.reason ?? 'did not become ready'));
  }

  /** Stops what runs and records `stopped`. Safe to call again after a crash. */
  async finishStop(id: string): Promise<void> {
    const env = await this.store.getEnvironmentById(id);
    if (!env || env.state !== 'stopping') return;
    if (env.instance) await this.provider.stop(env.instance, env.reason ?? 'stop requested');
    await this.updateIf(id, (e) => e.state === 'stopping', { state: 'stopped', instance: null }, [
      { type: 'stopped', message: 'stopped; the home folder is kept' },
    ]);
  }

  /** Stops, releases, and removes the record. Safe to call again after a crash. */
  async finishDelete(id: string): Promise<void> {
    const env = await this.store.getEnvironmentById(id);
    if (!env || env.state !== 'deleting') return;
    if (env.instance) await this.provider.stop(env.instance, 'environment deleted');
    await this.provider.destroy(env);
    const done = await this.updateIf(id, (e) => e.state === 'deleting', { state: 'deleted', instance: null }, [{ type: 'deleted', message: 'deleted' }]);
    if (done) {
      await this.store.removeEnvironment(id);
      this.changes.publish({ id, name: env.name });
      this.log.info({ env: env.name }, 'environment deleted');
    }
  }

  /** Marks generation `gen` failed (if it is still the one starting). */
  async failIf(id: string, gen: number | undefined, reason: string): Promise<void> {
    const env = await this.updateIf(
      id,
      (e) => (e.state === 'starting' || e.state === 'running' || e.state === 'pending') && (gen === undefined || e.generation === gen),
      { state: 'failed', reason },
      [{ type: 'failed', message: reason }],
    );
    if (env) this.log.warn({ env: env.name, reason }, 'environment failed');
  }

  // ---- plumbing ------------------------------------------------------------------------

  /** Runs `work` for one environment unless this process or another replica already drives it. */
  drive(id: string, work: () => Promise<void>): Promise<void> {
    const running = this.inFlight.get(id);
    if (running) return running.then(() => this.drive(id, work));
    const p = (async () => {
      if (this.closed) return;
      const lease = `env:${id}`;
      if (!(await this.store.acquireLease(lease, this.holder, DRIVE_LEASE_MS))) return;
      const renew = setInterval(() => {
        this.store.acquireLease(lease, this.holder, DRIVE_LEASE_MS).catch(() => undefined);
      }, DRIVE_LEASE_MS / 3);
      renew.unref();
      try {
        await work();
      } catch (err) {
        this.log.error({ envId: id, err: errorMessage(err) }, 'environment work failed; the reconciler will retry');
      } finally {
        clearInterval(renew);
        await this.store.releaseLease(lease, this.holder).catch(() => undefined);
      }
    })().finally(() => {
      if (this.inFlight.get(id) === p) this.inFlight.delete(id);
    });
    this.inFlight.set(id, p);
    return p;
  }

  /** Whether this process is driving `id` right now. */
  isDriving(id: string): boolean {
    return this.inFlight.has(id);
  }

  /** Waits for all in-flight work (tests, shutdown). */
  async settle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight.values()]);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.settle();
  }

  /** Checks the state machine, then compare-and-sets the transition with its events. */
  async transition(env: Environment, to: EnvState, patch: EnvironmentPatch, events: NewEnvEvent[]): Promise<Environment> {
    assertTransition(env.state, to, env.name);
    const next = await this.store.updateEnvironment(env.id, env.version, { ...patch, state: to }, events);
    this.publish(next);
    return next;
  }

  /**
   * Applies `patch` when `when(env)` holds, re-reading and retrying on version conflicts.
   * Returns undefined when the environment is gone or no longer matches.
   */
  async updateIf(id: string, when: (env: Environment) => boolean, patch: EnvironmentPatch, events: NewEnvEvent[] = []): Promise<Environment | undefined> {
    for (let attempt = 0; attempt < 20; attempt++) {
      const env = await this.store.getEnvironmentById(id);
      if (!env || !when(env)) return undefined;
      if (patch.state && patch.state !== env.state) assertTransition(env.state, patch.state, env.name);
      try {
        const next = await this.store.updateEnvironment(id, env.version, patch, events);
        this.publish(next);
        return next;
      } catch (err) {
        if (err instanceof ConflictError) continue;
        if (err instanceof NotFoundError) return undefined;
        throw err;
      }
    }
    throw new ConflictError('the environment kept changing while Airlock tried to update it; try again');
  }

  private publish(env: Environment): void {
    this.changes.publish({ id: env.id, name: env.name, env });
  }

  /** Whether `user` may see `env` (for feeds that filter per user). */
  visibleTo(user: User, env: Environment): boolean {
    return canManage(user, env);
  }
}

function errorMessage(err: unknown): string {
  if (isUserError(err)) return err.message;
  return err instanceof Error ? err.message : String(err);
}

function shortId(id: string): string {
  return id.length > 24 ? `…${id.slice(-12)}` : id;
}

function describePorts(instance: Instance): string {
  const ports = Object.entries(instance.ports ?? {});
  if (ports.length === 0) return instance.address ?? 'its address';
  return ports.map(([declared, actual]) => (declared === String(actual) ? declared : `${declared}→${instance.address ?? ''}:${actual}`)).join(', ');
}
