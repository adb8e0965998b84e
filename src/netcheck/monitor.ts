/**
 * Runs the network check at start and then every interval, keeps the latest
 * report and a bounded history, logs when the status changes and publishes
 * Prometheus gauges. The runner owns one; `GET /api/v1/runner/network` reads
 * `latest()`, `/metrics` renders the registry.
 */
import { ACCESS_TYPES, type NetcheckReport } from './report.js';
import { runNetcheck, type NetcheckOptions } from './check.js';
import type { Gauge, Counter, Registry } from '../telemetry/metrics.js';

/** The subset of a pino logger the monitor uses. */
export interface MonitorLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface NetcheckMonitorOptions {
  /** What to check (region, mode, resolver, timeout…). */
  check: NetcheckOptions;
  /** Time between checks, in milliseconds. @default 300000 (5 minutes) */
  intervalMs?: number;
  /** Reports kept by `history()`, newest last. @default 48 (4 hours at 5 minutes) */
  historySize?: number;
  /** Where status changes are logged. @default no logging */
  logger?: MonitorLogger;
  /** Registry for the `airlock_netcheck_*` gauges. @default no metrics */
  metrics?: Registry;
  /** The check itself (tests replace it to drive status changes). @default runNetcheck */
  run?: (opts: NetcheckOptions) => Promise<NetcheckReport>;
}

interface Gauges {
  ready: Gauge;
  reachable: Gauge;
  latency: Gauge;
  access: Gauge;
  lastRun: Gauge;
  duration: Gauge;
  runs: Counter;
}

/** Periodic network readiness for the runner. */
export class NetcheckMonitor {
  private readonly intervalMs: number;
  private readonly historySize: number;
  private readonly runCheck: (opts: NetcheckOptions) => Promise<NetcheckReport>;
  private readonly gauges?: Gauges;
  private readonly reports: NetcheckReport[] = [];
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<NetcheckReport> | undefined;
  private stopped = true;

  constructor(private readonly opts: NetcheckMonitorOptions) {
    this.intervalMs = opts.intervalMs ?? 300_000;
    this.historySize = opts.historySize ?? 48;
    if (!(this.intervalMs > 0)) throw new RangeError(`intervalMs must be positive, got ${this.intervalMs}`);
    if (!(this.historySize >= 1)) throw new RangeError(`historySize must be at least 1, got ${this.historySize}`);
    this.runCheck = opts.run ?? runNetcheck;
    if (opts.metrics) this.gauges = registerGauges(opts.metrics);
  }

  /** Runs the first check now and schedules the next ones; resolves after the first check. */
  async start(): Promise<NetcheckReport> {
    this.stopped = false;
    try {
      return await this.checkNow();
    } finally {
      this.schedule();
    }
  }

  /** Clears the timer; a check in flight finishes but schedules nothing. */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** The newest report, if a check has finished. */
  latest(): NetcheckReport | undefined {
    return this.reports.at(-1);
  }

  /** Past reports, oldest first. */
  history(): NetcheckReport[] {
    return [...this.reports];
  }

  /** Runs a check now (joins one already running) and records it. */
  checkNow(): Promise<NetcheckReport> {
    this.running ??= this.runCheck(this.opts.check)
      .then((report) => {
        this.record(report);
        return report;
      })
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  private schedule(): void {
    if (this.stopped) return;
    // start() twice must not leave two timers behind.
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.checkNow()
        .catch((err: unknown) => this.opts.logger?.warn({ err }, 'network check failed to run'))
        .finally(() => this.schedule());
    }, this.intervalMs);
    // The monitor must never be the reason the process stays alive.
    this.timer.unref();
  }

  private record(report: NetcheckReport): void {
    const previous = this.latest();
    this.reports.push(report);
    if (this.reports.length > this.historySize) this.reports.splice(0, this.reports.length - this.historySize);
    this.log(previous, report);
    this.publish(report);
  }

  private log(previous: NetcheckReport | undefined, report: NetcheckReport): void {
    const logger = this.opts.logger;
    if (!logger) return;
    const failed = report.endpoints.filter((e) => e.status === 'failed');
    const changed = !previous || previous.status !== report.status || failedKey(previous) !== failedKey(report);
    if (!changed) return;
    const obj = {
      netcheck: {
        status: report.status,
        previous: previous?.status,
        region: report.region,
        mode: report.mode,
        durationMs: report.durationMs,
        failed: failed.map((e) => ({ id: e.id, required: e.required, reason: e.reason, fix: e.fix })),
      },
    };
    if (report.status === 'ready') {
      logger.info(obj, previous ? `network ready again: all ${report.summary.required} required AWS endpoints reachable` : `network ready: all ${report.summary.required} required AWS endpoints reachable`);
    } else {
      const names = failed.filter((e) => e.required).map((e) => `${e.id} (${e.reason})`).join(', ');
      logger.warn(obj, `network degraded: ${names}`);
    }
  }

  private publish(report: NetcheckReport): void {
    const g = this.gauges;
    if (!g) return;
    g.ready.set(report.status === 'ready' ? 1 : 0);
    g.lastRun.set(Date.parse(report.startedAt) / 1000);
    g.duration.set(report.durationMs / 1000);
    g.runs.inc({ status: report.status });
    // Endpoints can come and go with the configuration: publish exactly this report's set.
    g.reachable.reset();
    g.latency.reset();
    g.access.reset();
    for (const e of report.endpoints) {
      const labels = { endpoint: e.id, host: e.hostname, required: String(e.required) };
      g.reachable.set(labels, e.status === 'ok' ? 1 : 0);
      if (e.status === 'ok') g.latency.set({ endpoint: e.id }, ((e.dnsMs ?? 0) + (e.connectMs ?? 0)) / 1000);
      for (const access of ACCESS_TYPES) g.access.set({ endpoint: e.id, access }, e.access === access ? 1 : 0);
    }
  }
}

function failedKey(r: NetcheckReport): string {
  return r.endpoints
    .filter((e) => e.status === 'failed')
    .map((e) => `${e.id}:${e.reason}`)
    .sort()
    .join(',');
}

function registerGauges(m: Registry): Gauges {
  return {
    ready: m.gauge({ name: 'airlock_netcheck_ready', help: '1 when every required AWS endpoint is reachable, else 0' }),
    reachable: m.gauge({ name: 'airlock_netcheck_endpoint_reachable', help: '1 when DNS answered and TCP 443 connected in the last check', labelNames: ['endpoint', 'host', 'required'] }),
    latency: m.gauge({ name: 'airlock_netcheck_endpoint_latency_seconds', help: 'DNS plus TCP connect time of the last check, for reachable endpoints', labelNames: ['endpoint'] }),
    access: m.gauge({ name: 'airlock_netcheck_endpoint_access', help: '1 for the access type (vpc_endpoint, nat_gateway, ...) of the last check, 0 for the others', labelNames: ['endpoint', 'access'] }),
    lastRun: m.gauge({ name: 'airlock_netcheck_last_run_timestamp_seconds', help: 'Unix time the last check started' }),
    duration: m.gauge({ name: 'airlock_netcheck_duration_seconds', help: 'Wall time of the last check' }),
    runs: m.counter({ name: 'airlock_netcheck_runs_total', help: 'Checks run, by resulting status', labelNames: ['status'] }),
  };
}
