import { ENV_STATES } from '../core/lifecycle.js';
import type { Registry } from '../telemetry/metrics.js';
import type { ChangeFeed } from './changes.js';
import type { ReconcileReport } from './reconciler.js';
import type { Store } from '../store/store.js';

/**
 * The runner's own Prometheus figures: environments by state (kept from the change
 * feed, so a scrape never reads the store) and reconciler passes.
 */
export class RunnerMetrics {
  private readonly states = new Map<string, string>();
  private readonly envGauge;
  private readonly passes;
  private readonly passSeconds;
  private readonly actions;
  private readonly orphans;

  constructor(private readonly registry: Registry) {
    this.envGauge = registry.gauge({ name: 'airlock_environments', help: 'Environments by lifecycle state', labelNames: ['state'] });
    this.passes = registry.counter({ name: 'airlock_reconcile_passes_total', help: 'Reconciler passes' });
    this.passSeconds = registry.histogram({ name: 'airlock_reconcile_duration_seconds', help: 'Time one reconciler pass took' });
    this.actions = registry.counter({ name: 'airlock_reconcile_actions_total', help: 'Work the reconciler started, by kind', labelNames: ['action'] });
    this.orphans = registry.counter({ name: 'airlock_orphans_stopped_total', help: 'Instances stopped because no environment owned them' });
  }

  /** Loads the current states, then follows the change feed. Returns the unsubscribe function. */
  async follow(store: Store, feed: ChangeFeed): Promise<() => void> {
    const unsubscribe = feed.subscribe((c) => {
      if (c.env && c.env.state !== 'deleted') this.states.set(c.id, c.env.state);
      else this.states.delete(c.id);
    });
    for (const env of await store.listEnvironments()) if (!this.states.has(env.id)) this.states.set(env.id, env.state);
    return unsubscribe;
  }

  /** Records one reconciler pass. */
  pass(report: ReconcileReport): void {
    this.passes.inc();
    this.passSeconds.observe(report.durationMs / 1000);
    for (const a of report.actions) this.actions.inc({ action: a.action });
    if (report.orphansStopped) this.orphans.inc({}, report.orphansStopped);
  }

  /** Prometheus text for every metric in the registry. */
  render(): string {
    const counts = new Map<string, number>(ENV_STATES.map((s) => [s, 0]));
    for (const s of this.states.values()) counts.set(s, (counts.get(s) ?? 0) + 1);
    for (const [state, n] of counts) this.envGauge.set({ state }, n);
    return this.registry.render();
  }
}
