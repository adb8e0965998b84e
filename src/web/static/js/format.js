// How times and durations are written on the page. Pure functions: tested in Node.

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** "just now", "45 s ago", "12 min ago", "3 h ago", "5 d ago". */
export function ago(iso, now = Date.now()) {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return '—';
  const ms = Math.max(0, now - t);
  if (ms < 5 * SECOND) return 'just now';
  if (ms < MINUTE) return `${Math.floor(ms / SECOND)} s ago`;
  if (ms < HOUR) return `${Math.floor(ms / MINUTE)} min ago`;
  if (ms < DAY) return `${Math.floor(ms / HOUR)} h ago`;
  return `${Math.floor(ms / DAY)} d ago`;
}

/** An age without "ago": "12 min", "3 h 5 min", "2 d 4 h". */
export function age(iso, now = Date.now()) {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return '—';
  return span(Math.max(0, now - t));
}

/** Time left until `iso`: "29 min 12 s", "1 h 4 min", or "due now" once passed. */
export function timeLeft(iso, now = Date.now()) {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return '—';
  const ms = t - now;
  if (ms <= 0) return 'due now';
  return span(ms);
}

/** A span of time in the two largest units: "45 s", "2 min 3 s", "1 h 4 min", "2 d 4 h". */
export function span(ms) {
  if (ms < MINUTE) return `${Math.floor(ms / SECOND)} s`;
  if (ms < HOUR) return pair(Math.floor(ms / MINUTE), 'min', Math.floor((ms % MINUTE) / SECOND), 's');
  if (ms < DAY) return pair(Math.floor(ms / HOUR), 'h', Math.floor((ms % HOUR) / MINUTE), 'min');
  return pair(Math.floor(ms / DAY), 'd', Math.floor((ms % DAY) / HOUR), 'h');
}

/** How long a step took: "350 ms", "1.2 s", "2 min 3 s". */
export function duration(ms) {
  if (!Number.isFinite(ms) || ms < 0) return '—';
  if (ms < SECOND) return `${Math.round(ms)} ms`;
  if (ms < 10 * SECOND) return `${(ms / SECOND).toFixed(1)} s`;
  return span(ms);
}

/** A timestamp in the reader's locale, for titles and tables. */
export function when(iso) {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return '—';
  return new Date(t).toLocaleString();
}

/** "1 vCPU", "0.5 vCPU" from CPU units (1024 = one vCPU). */
export function cpu(units) {
  return `${Math.round((units / 1024) * 100) / 100} vCPU`;
}

/** "512 MiB", "2 GiB" from MiB. */
export function memory(mib) {
  return mib >= 1024 && mib % 1024 === 0 ? `${mib / 1024} GiB` : `${mib} MiB`;
}

/** "30 min", "never" from seconds (0 turns idle stop off). */
export function idleTimeout(seconds) {
  return seconds > 0 ? span(seconds * SECOND) : 'never';
}

function pair(a, ua, b, ub) {
  return b > 0 ? `${a} ${ua} ${b} ${ub}` : `${a} ${ua}`;
}
