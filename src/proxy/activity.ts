import type { Store } from '../store/store.js';
import type { Logger } from '../telemetry/logger.js';

export interface ActivityOptions {
  /** At most one store write per environment per this many ms. @default 30000 */
  intervalMs?: number;
  /** Clock (ms since epoch); tests pass a fake one. @default Date.now */
  now?: () => number;
  logger?: Pick<Logger, 'warn'>;
  /** Run the trailing flush on a timer. Tests turn it off and call `flushDue()`. @default true */
  timer?: boolean;
}

/** Traffic counted for one environment since the tracker started. */
export interface ActivityCounters {
  requests: number;
  wsFrames: number;
  wsBytes: number;
  /** Last traffic seen (ms since epoch). */
  lastSeen: number;
}

interface Entry extends ActivityCounters {
  /** When the store was last written for this environment (ms). */
  lastWrite: number;
  /** Traffic seen since the last write. */
  dirty: boolean;
}

/**
 * Marks environments active from proxy traffic. Counting is in memory on the hot
 * path; the store hears about it at most once per environment per interval:
 * the first traffic after a quiet interval is written at once, later traffic in
 * the same interval is written when the interval ends (or on close).
 */
export class ActivityTracker {
  private readonly entries = new Map<string, Entry>();
  private readonly intervalMs: number;
  private readonly now: () => number;
  private readonly timer: NodeJS.Timeout | undefined;
  private readonly writes = new Set<Promise<void>>();

  constructor(
    private readonly store: Pick<Store, 'touchActivity'>,
    private readonly opts: ActivityOptions = {},
  ) {
    this.intervalMs = opts.intervalMs ?? 30_000;
    this.now = opts.now ?? Date.now;
    if (opts.timer !== false) {
      this.timer = setInterval(() => this.flushDue(), Math.max(50, Math.min(this.intervalMs, 5000)));
      this.timer.unref();
    }
  }

  /** An HTTP request reached the environment. */
  request(envId: string): void {
    const e = this.touch(envId);
    e.requests++;
  }

  /** WebSocket data passed through (either direction). */
  frames(envId: string, bytes: number): void {
    const e = this.touch(envId);
    e.wsFrames++;
    e.wsBytes += bytes;
  }

  /** The counters for one environment (for metrics and tests). */
  counters(envId: string): ActivityCounters | undefined {
    const e = this.entries.get(envId);
    return e && { requests: e.requests, wsFrames: e.wsFrames, wsBytes: e.wsBytes, lastSeen: e.lastSeen };
  }

  /** Every environment's counters. */
  all(): Map<string, ActivityCounters> {
    const out = new Map<string, ActivityCounters>();
    for (const id of this.entries.keys()) out.set(id, this.counters(id)!);
    return out;
  }

  /** Writes every environment whose interval has passed and that saw traffic since its last write. */
  flushDue(): void {
    const now = this.now();
    for (const [id, e] of this.entries) {
      if (e.dirty && now - e.lastWrite >= this.intervalMs) this.write(id, e, now);
    }
  }

  /** Writes everything not yet written and waits for the writes. */
  async flush(): Promise<void> {
    const now = this.now();
    for (const [id, e] of this.entries) if (e.dirty) this.write(id, e, now);
    await Promise.all([...this.writes]);
  }

  /** Stops the timer and flushes. */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.flush();
  }

  private touch(envId: string): Entry {
    const now = this.now();
    let e = this.entries.get(envId);
    if (e === undefined) {
      e = { requests: 0, wsFrames: 0, wsBytes: 0, lastSeen: now, lastWrite: -Infinity, dirty: true };
      this.entries.set(envId, e);
    } else {
      e.lastSeen = now;
      e.dirty = true;
    }
    if (now - e.lastWrite >= this.intervalMs) this.write(envId, e, now);
    return e;
  }

  private write(envId: string, e: Entry, now: number): void {
    e.dirty = false;
    e.lastWrite = now;
    const p = this.store
      .touchActivity(envId, new Date(e.lastSeen).toISOString())
      .catch((err: unknown) => this.opts.logger?.warn({ err, envId }, 'could not record activity'))
      .finally(() => this.writes.delete(p));
    this.writes.add(p);
  }
}
