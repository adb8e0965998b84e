import type { Environment, Instance } from '../core/environment.js';
import type { Observation } from '../compute/provider.js';
import type { Logger } from '../telemetry/logger.js';
import type { Orchestrator } from './service.js';

export interface ReconcilerOptions {
  /** Seconds between passes. */
  intervalSeconds: number;
  /** What to do with live instances the store does not know: `stop` them (default) or `adopt` them when their environment still exists. */
  orphans?: 'stop' | 'adopt';
  logger: Logger;
  now?: () => number;
  /**
   * Seconds between sweeps for orphans (instances no environment owns). Listing every
   * instance costs as much as observing them all again (ListTasks + DescribeTasks on
   * ECS), so it runs on the first pass and then at most this often. @default 60
   */
  orphanSweepSeconds?: number;
  /** Called after every pass (metrics). */
  onPass?: (report: ReconcileReport) => void;
}

/** What one pass did, for logs, metrics and tests. */
export interface ReconcileReport {
  examined: number;
  observed: number;
  actions: { env: string; action: string; detail?: string }[];
  orphansStopped: number;
  durationMs: number;
}

/**
 * Level-triggered convergence: compares what the store says with what the provider
 * reports and drives each environment toward its stored state. Idempotent, safe after
 * a crash and on several replicas (each environment's work runs under a lease).
 */
export class Reconciler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<ReconcileReport> | undefined;
  private failures = 0;
  private lastSweep = -Infinity;
  private readonly now: () => number;

  constructor(
    private readonly orch: Orchestrator,
    private readonly opts: ReconcilerOptions,
  ) {
    this.now = opts.now ?? Date.now;
  }

  /** Runs a pass now and then every interval (backing off after failures). */
  start(): void {
    const loop = async () => {
      try {
        await this.reconcile();
        this.failures = 0;
      } catch (err) {
        this.failures++;
        this.opts.logger.warn({ err: (err as Error).message, failures: this.failures }, 'reconcile pass failed; backing off');
      }
      if (this.timer === undefined) return;
      const backoff = Math.min(this.opts.intervalSeconds * 2 ** this.failures, 300);
      this.timer = setTimeout(loop, backoff * 1000);
      this.timer.unref();
    };
    this.timer = setTimeout(loop, 0);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }

  /** One pass. Concurrent calls share the pass in progress. */
  reconcile(): Promise<ReconcileReport> {
    this.running ??= this.pass().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async pass(): Promise<ReconcileReport> {
    const started = this.now();
    const report: ReconcileReport = { examined: 0, observed: 0, actions: [], orphansStopped: 0, durationMs: 0 };
    const envs = (await this.orch.store.listEnvironments()).filter((e) => !this.orch.isDriving(e.id));
    report.examined = envs.length;

    const withInstance = envs.filter((e) => e.instance && (e.state === 'running' || e.state === 'starting'));
    const observations = withInstance.length > 0 ? await this.orch.provider.observe(withInstance.map((e) => e.instance!)) : new Map<string, Observation>();
    report.observed = withInstance.length;

    const work: Promise<void>[] = [];
    for (const env of envs) {
      const act = (action: string, fn: () => Promise<void>, detail?: string) => {
        report.actions.push({ env: env.name, action, ...(detail ? { detail } : {}) });
        work.push(this.orch.drive(env.id, fn));
      };
      switch (env.state) {
        case 'pending':
          act('start', async () => {
            const fresh = await this.orch.store.getEnvironmentById(env.id);
            if (fresh?.state === 'pending') await this.orch.beginStart(fresh, 'start resumed by the reconciler');
          });
          break;
        case 'starting': {
          const obs = env.instance ? observations.get(env.instance.id) : undefined;
          if (!env.instance || !obs || obs.status === 'starting' || obs.status === 'running') {
            // Interrupted start (or one another replica left): launching again is idempotent per generation.
            act('resume-start', () => this.orch.launch(env.id, env.generation));
          } else {
            act('fail', () => this.orch.failIf(env.id, env.generation, exitReason(obs, 'while starting')), obs.reason);
          }
          break;
        }
        case 'running': {
          const obs = observations.get(env.instance!.id);
          if (obs && (obs.status === 'exited' || obs.status === 'gone')) {
            const reason = exitReason(obs, 'while running');
            if (env.spec.restartPolicy === 'on-failure') {
              act('restart', async () => {
                await this.orch.failIf(env.id, env.generation, reason);
                const failed = await this.orch.store.getEnvironmentById(env.id);
                if (failed?.state === 'failed') await this.orch.beginStart(failed, `restarted by policy on-failure after: ${reason}`);
              }, reason);
            } else {
              act('fail', () => this.orch.failIf(env.id, env.generation, reason), reason);
            }
          } else if (this.isIdle(env)) {
            const idle = (this.now() - Date.parse(env.lastActiveAt)) / 1000;
            act('idle-stop', async () => {
              const fresh = await this.orch.store.getEnvironmentById(env.id);
              if (fresh && this.isIdle(fresh)) await this.orch.stopIdle(fresh, idle);
            });
          }
          break;
        }
        case 'stopping':
          act('finish-stop', () => this.orch.finishStop(env.id));
          break;
        case 'deleting':
          act('finish-delete', () => this.orch.finishDelete(env.id));
          break;
        case 'deleted':
          act('remove', () => this.orch.store.removeEnvironment(env.id));
          break;
        default:
          break;
      }
    }
    await Promise.allSettled(work);
    const sweepEvery = (this.opts.orphanSweepSeconds ?? 60) * 1000;
    if (this.now() - this.lastSweep >= sweepEvery) {
      this.lastSweep = this.now();
      report.orphansStopped = await this.cleanOrphans(envs);
    }
    report.durationMs = this.now() - started;
    this.opts.onPass?.(report);
    if (report.actions.length > 0 || report.orphansStopped > 0) {
      this.opts.logger.info({ actions: report.actions, orphansStopped: report.orphansStopped, ms: report.durationMs }, 'reconciled');
    }
    return report;
  }

  private isIdle(env: Environment): boolean {
    const timeout = env.spec.idleTimeout;
    if (!timeout || env.state !== 'running') return false;
    return this.now() - Date.parse(env.lastActiveAt) > timeout * 1000;
  }

  /** Live instances that no stored environment owns are stopped (or adopted), so nothing runs unseen. */
  private async cleanOrphans(envs: Environment[]): Promise<number> {
    const live = await this.orch.provider.list();
    if (live.length === 0) return 0;
    const known = new Map(envs.map((e) => [e.id, e]));
    let stopped = 0;
    for (const inst of live) {
      const env = inst.envId ? known.get(inst.envId) : undefined;
      if (env && env.instance?.id === inst.id) continue;
      if (env && (env.state === 'starting' || env.state === 'deleting' || this.orch.isDriving(env.id))) continue;
      if (env && this.opts.orphans === 'adopt' && (env.state === 'stopped' || env.state === 'failed') && inst.generation === env.generation) {
        await this.adopt(env, inst);
        continue;
      }
      // Re-read before stopping: the environment may have been created or started since the list.
      const fresh = inst.envId ? await this.orch.store.getEnvironmentById(inst.envId) : undefined;
      if (fresh && (fresh.instance?.id === inst.id || fresh.state === 'starting')) continue;
      this.opts.logger.warn({ instance: inst.id, envId: inst.envId }, 'stopping an instance the store does not know');
      await this.orch.provider.stop(inst, 'not known to the runner (orphan)').catch(() => undefined);
      stopped++;
    }
    return stopped;
  }

  private async adopt(env: Environment, inst: Instance): Promise<void> {
    await this.orch.drive(env.id, async () => {
      await this.orch.updateIf(env.id, (e) => e.state === env.state && e.generation === env.generation, { state: 'starting', instance: inst }, [
        { type: 'adopted', message: `found instance ${inst.id} still running after a runner restart; adopting it` },
      ]);
    });
  }
}

function exitReason(obs: Observation, when: string): string {
  const base = obs.status === 'gone' ? `the ${when === 'while running' ? 'running' : 'starting'} instance disappeared` : `exited ${when}`;
  const parts = [obs.reason ?? base];
  if (obs.exitCode !== undefined && !(obs.reason ?? '').includes(String(obs.exitCode))) parts.push(`exit code ${obs.exitCode}`);
  if (obs.hint) parts.push(obs.hint);
  return parts.join('; ');
}
