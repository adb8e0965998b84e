/**
 * A small Prometheus registry: counters, gauges and histograms with labels,
 * rendered in the text exposition format (version 0.0.4) for `/metrics`.
 * No dependency and no global default registry: the runner creates one and
 * hands it to the roles that publish metrics.
 */

export type Labels = Readonly<Record<string, string>>;

/** Content-Type of `Registry.render()` output. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const METRIC_NAME_RE = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export interface MetricOptions {
  /** Metric name, e.g. `airlock_netcheck_ready`. */
  name: string;
  /** One line shown as `# HELP`. */
  help: string;
  /** Label names every sample must carry (and no others). @default [] */
  labelNames?: readonly string[];
}

export interface HistogramOptions extends MetricOptions {
  /** Upper bounds of the buckets, ascending; `+Inf` is added. @default DEFAULT_BUCKETS */
  buckets?: readonly number[];
}

/** Latency buckets in seconds, like the Prometheus client libraries. */
export const DEFAULT_BUCKETS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

abstract class Metric<V> {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
  protected readonly series = new Map<string, { labels: Labels; value: V }>();
  abstract readonly type: 'counter' | 'gauge' | 'histogram';

  constructor(opts: MetricOptions) {
    if (!METRIC_NAME_RE.test(opts.name)) throw new TypeError(`metric name "${opts.name}" is not valid: use letters, digits, _ and :`);
    for (const l of opts.labelNames ?? []) {
      if (!LABEL_NAME_RE.test(l) || l.startsWith('__')) throw new TypeError(`label name "${l}" of metric ${opts.name} is not valid`);
    }
    this.name = opts.name;
    this.help = opts.help;
    this.labelNames = [...(opts.labelNames ?? [])];
  }

  /** Forgets one labelled series (e.g. an endpoint that is no longer checked). */
  remove(labels: Labels = {}): void {
    this.series.delete(this.key(labels));
  }

  /** Forgets every series. */
  reset(): void {
    this.series.clear();
  }

  protected key(labels: Labels): string {
    const names = Object.keys(labels);
    if (names.length !== this.labelNames.length || !this.labelNames.every((n) => typeof labels[n] === 'string')) {
      throw new TypeError(`metric ${this.name} takes labels {${this.labelNames.join(', ')}}, got {${names.join(', ')}}`);
    }
    return this.labelNames.map((n) => labels[n]).join('\u0000');
  }

  protected entry(labels: Labels, initial: () => V): { labels: Labels; value: V } {
    const k = this.key(labels);
    let e = this.series.get(k);
    if (!e) {
      e = { labels: { ...labels }, value: initial() };
      this.series.set(k, e);
    }
    return e;
  }

  abstract renderSamples(): string[];

  render(): string {
    const lines = [`# HELP ${this.name} ${escapeHelp(this.help)}`, `# TYPE ${this.name} ${this.type}`, ...this.renderSamples()];
    return lines.join('\n');
  }
}

/** A value that only goes up (requests served, checks run). */
export class Counter extends Metric<number> {
  readonly type = 'counter' as const;

  inc(labels: Labels = {}, by = 1): void {
    if (!(by >= 0)) throw new RangeError(`counter ${this.name} can only go up (got ${by})`);
    this.entry(labels, () => 0).value += by;
  }

  get(labels: Labels = {}): number {
    return this.series.get(this.key(labels))?.value ?? 0;
  }

  renderSamples(): string[] {
    return [...this.series.values()].map((s) => sample(this.name, s.labels, s.value));
  }
}

/** A value that goes up and down (ready 0/1, latency of the last check). */
export class Gauge extends Metric<number> {
  readonly type = 'gauge' as const;

  set(labels: Labels, value: number): void;
  set(value: number): void;
  set(a: Labels | number, b?: number): void {
    const [labels, value] = typeof a === 'number' ? [{}, a] : [a, b ?? 0];
    this.entry(labels, () => 0).value = value;
  }

  inc(labels: Labels = {}, by = 1): void {
    this.entry(labels, () => 0).value += by;
  }

  get(labels: Labels = {}): number | undefined {
    return this.series.get(this.key(labels))?.value;
  }

  renderSamples(): string[] {
    return [...this.series.values()].map((s) => sample(this.name, s.labels, s.value));
  }
}

interface HistogramValue {
  counts: number[];
  sum: number;
  count: number;
}

/** Observations counted into buckets (request durations). */
export class Histogram extends Metric<HistogramValue> {
  readonly type = 'histogram' as const;
  readonly buckets: readonly number[];

  constructor(opts: HistogramOptions) {
    super(opts);
    if (this.labelNames.includes('le')) throw new TypeError(`histogram ${opts.name} cannot use the label name "le"`);
    const b = [...(opts.buckets ?? DEFAULT_BUCKETS)];
    if (b.length === 0 || b.some((v, i) => i > 0 && v <= b[i - 1]!)) throw new TypeError(`histogram ${opts.name} buckets must be ascending and not empty`);
    this.buckets = b;
  }

  observe(labels: Labels, value: number): void;
  observe(value: number): void;
  observe(a: Labels | number, b?: number): void {
    const [labels, value] = typeof a === 'number' ? [{}, a] : [a, b ?? 0];
    const e = this.entry(labels, () => ({ counts: this.buckets.map(() => 0), sum: 0, count: 0 })).value;
    this.buckets.forEach((le, i) => {
      if (value <= le) e.counts[i]! += 1;
    });
    e.sum += value;
    e.count += 1;
  }

  renderSamples(): string[] {
    const out: string[] = [];
    for (const s of this.series.values()) {
      this.buckets.forEach((le, i) => out.push(sample(`${this.name}_bucket`, { ...s.labels, le: formatNumber(le) }, s.value.counts[i]!)));
      out.push(sample(`${this.name}_bucket`, { ...s.labels, le: '+Inf' }, s.value.count));
      out.push(sample(`${this.name}_sum`, s.labels, s.value.sum));
      out.push(sample(`${this.name}_count`, s.labels, s.value.count));
    }
    return out;
  }
}

type AnyMetric = Counter | Gauge | Histogram;

/** Holds metrics by name and renders them all for a scrape. */
export class Registry {
  private readonly metrics = new Map<string, AnyMetric>();

  /** Creates a counter, or returns the one already registered under that name. */
  counter(opts: MetricOptions): Counter {
    return this.getOrCreate(opts, 'counter', () => new Counter(opts)) as Counter;
  }

  /** Creates a gauge, or returns the one already registered under that name. */
  gauge(opts: MetricOptions): Gauge {
    return this.getOrCreate(opts, 'gauge', () => new Gauge(opts)) as Gauge;
  }

  /** Creates a histogram, or returns the one already registered under that name. */
  histogram(opts: HistogramOptions): Histogram {
    return this.getOrCreate(opts, 'histogram', () => new Histogram(opts)) as Histogram;
  }

  get(name: string): AnyMetric | undefined {
    return this.metrics.get(name);
  }

  /** Every metric in the Prometheus text exposition format, ending with a newline. */
  render(): string {
    const blocks = [...this.metrics.values()].map((m) => m.render());
    return blocks.length ? `${blocks.join('\n')}\n` : '';
  }

  private getOrCreate(opts: MetricOptions, type: AnyMetric['type'], make: () => AnyMetric): AnyMetric {
    const existing = this.metrics.get(opts.name);
    if (existing) {
      const sameLabels = existing.labelNames.join(',') === (opts.labelNames ?? []).join(',');
      if (existing.type !== type || !sameLabels) {
        throw new TypeError(`metric ${opts.name} is already registered as a ${existing.type} with labels {${existing.labelNames.join(', ')}}`);
      }
      return existing;
    }
    const m = make();
    this.metrics.set(opts.name, m);
    return m;
  }
}

function sample(name: string, labels: Labels, value: number): string {
  const pairs = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
  return `${name}${pairs.length ? `{${pairs.join(',')}}` : ''} ${formatNumber(value)}`;
}

function formatNumber(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function escapeHelp(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}
