/**
 * Host header parsing for environment hosts: `<port>--<name>.<domain>` and
 * `<name>.<domain>`. Runs on every request, so it walks characters instead of
 * using regular expressions and allocates only the name it returns.
 */

/** What a Host header names, as far as the proxy is concerned. */
export type HostMatch =
  /** An environment host. `host` is the canonical form (lowercase, no port): the cookie and session scope. */
  | { kind: 'env'; name: string; port: number | undefined; host: string }
  /** The runner's own host (the domain itself): the API and dashboard. */
  | { kind: 'runner' }
  /** Not under our domain at all (an IP address, another name): not the proxy's business. */
  | { kind: 'other' }
  /** Looks like one of ours but cannot be accepted as sent; `reason` is safe to show. */
  | { kind: 'bad'; reason: string };

const RUNNER: HostMatch = { kind: 'runner' };
const OTHER: HostMatch = { kind: 'other' };

/** Longest host name we look at (DNS limit). */
const MAX_HOST = 253;

/**
 * Classifies a Host header value against `domain` (lowercase, e.g. `localhost` or
 * `dev.example.com`). Uppercase is folded; a port suffix is dropped (cookies ignore
 * ports too); a trailing dot, characters outside [a-z0-9.-], a non-numeric port and
 * nested labels are refused, so one environment can never be reached under two
 * spellings that would get separate cookies.
 */
export function matchHost(header: string | undefined, domain: string): HostMatch {
  if (header === undefined || header.length === 0) return { kind: 'bad', reason: 'the request has no Host header' };
  let end = header.length;
  // Strip `:port`. IPv6 literals (`[::1]:80`) are never ours.
  if (header.charCodeAt(0) === 91 /* [ */) return OTHER;
  const colon = header.lastIndexOf(':');
  if (colon >= 0) {
    if (colon === end - 1 || end - colon - 1 > 5) return { kind: 'bad', reason: 'the Host header has an invalid port' };
    for (let i = colon + 1; i < end; i++) {
      const c = header.charCodeAt(i);
      if (c < 48 || c > 57) return { kind: 'bad', reason: 'the Host header has an invalid port' };
    }
    end = colon;
  }
  if (end > MAX_HOST) return { kind: 'bad', reason: 'the Host header is too long' };
  // Validate characters and note whether folding is needed.
  let upper = false;
  for (let i = 0; i < end; i++) {
    const c = header.charCodeAt(i);
    if ((c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 45 || c === 46) continue;
    if (c >= 65 && c <= 90) {
      upper = true;
      continue;
    }
    return { kind: 'bad', reason: 'the Host header contains characters a host name cannot have' };
  }
  const host = upper ? header.slice(0, end).toLowerCase() : end === header.length ? header : header.slice(0, end);
  if (host.charCodeAt(host.length - 1) === 46) return { kind: 'bad', reason: 'the Host header ends with a dot; use the name without it' };
  if (host === domain) return RUNNER;
  const dl = domain.length;
  // `<label>.<domain>`: ends with the domain, preceded by a dot.
  if (host.length <= dl + 1 || host.charCodeAt(host.length - dl - 1) !== 46 || !host.endsWith(domain)) return OTHER;
  const labelEnd = host.length - dl - 1;
  if (host.lastIndexOf('.', labelEnd - 1) >= 0) return { kind: 'bad', reason: 'environment hosts have a single label before the domain' };
  const sep = host.indexOf('--');
  if (sep < 0 || sep > labelEnd) {
    const name = host.slice(0, labelEnd);
    return isName(name) ? { kind: 'env', name, port: undefined, host } : { kind: 'bad', reason: 'that is not a valid environment name' };
  }
  const port = parsePort(host, 0, sep);
  if (port === undefined) return { kind: 'bad', reason: 'the port in the host name must be a number from 1 to 65535' };
  const name = host.slice(sep + 2, labelEnd);
  return isName(name) ? { kind: 'env', name, port, host } : { kind: 'bad', reason: 'that is not a valid environment name' };
}

/** Digits only, no leading zero, 1..65535. */
function parsePort(s: string, from: number, to: number): number | undefined {
  const len = to - from;
  if (len < 1 || len > 5 || s.charCodeAt(from) === 48) return undefined;
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return undefined;
    n = n * 10 + (c - 48);
  }
  return n <= 65535 ? n : undefined;
}

/** The environment-name rule of core/ids.ts (letter first, no trailing hyphen, no `--`), without a regex. */
function isName(s: string): boolean {
  if (s.length === 0 || s.length > 40) return false;
  const first = s.charCodeAt(0);
  if (first < 97 || first > 122) return false;
  if (s.charCodeAt(s.length - 1) === 45) return false;
  // Characters were checked by the caller; `--` was split off, so only `.` can remain.
  return s.indexOf('.') < 0 && s.indexOf('--') < 0;
}

/** The canonical host for a Host header value: lowercase, without the port. */
export function canonicalHost(header: string): string {
  const bracket = header.charCodeAt(0) === 91;
  const colon = bracket ? header.indexOf(']:') + 1 : header.lastIndexOf(':');
  return (colon > 0 ? header.slice(0, colon) : header).toLowerCase();
}
