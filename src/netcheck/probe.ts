/**
 * The two network steps of a check, each bounded by an AbortSignal that fires at
 * the check's deadline: resolve a name (A and AAAA) with a c-ares Resolver, and
 * open a direct TCP connection to one address.
 *
 * Both are deliberately low level: `dns.lookup` goes through libuv's 4-thread pool
 * (20 lookups queue behind each other) and cannot be pointed at another server,
 * and `net.connect` to an IP literal never consults HTTP(S)_PROXY.
 */
import type { Resolver } from 'node:dns/promises';
import { connect } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { AddressResult, FailureReason } from './report.js';
import { addressScope } from './address.js';

/** How long to wait for the other address family once one has answered (RFC 8305's resolution delay). */
export const RESOLUTION_DELAY_MS = 50;

export interface Answer {
  address: string;
  family: 4 | 6;
}

export type ResolveOutcome =
  | { ok: true; answers: Answer[]; dnsMs: number }
  | { ok: false; reason: FailureReason; dnsMs: number | null; message: string };

type FamilyResult = { answers: Answer[] } | { code: string };

/** Resolves A and AAAA concurrently; succeeds when either has answers. */
export async function resolveAddresses(resolver: Resolver, hostname: string, signal: AbortSignal): Promise<ResolveOutcome> {
  const started = performance.now();
  const ask = (family: 4 | 6): Promise<FamilyResult> =>
    (family === 4 ? resolver.resolve4(hostname) : resolver.resolve6(hostname)).then(
      (list) => ({ answers: list.map((address) => ({ address, family })) }),
      (err: NodeJS.ErrnoException) => ({ code: String(err.code ?? 'EUNKNOWN') }),
    );
  const v4 = ask(4);
  const v6 = ask(6);
  const aborted = new Promise<'aborted'>((resolve) => {
    if (signal.aborted) resolve('aborted');
    else signal.addEventListener('abort', () => resolve('aborted'), { once: true });
  });

  // Wait for the first family; if it has answers, give the other a short grace period.
  const first = await Promise.race([v4.then((r) => ({ family: 4 as const, r })), v6.then((r) => ({ family: 6 as const, r })), aborted]);
  if (first === 'aborted') return { ok: false, reason: 'dns_timeout', dnsMs: null, message: 'no DNS answer before the deadline' };
  const other = first.family === 4 ? v6 : v4;
  const grace = 'answers' in first.r && first.r.answers.length > 0
    ? new Promise<'late'>((resolve) => setTimeout(resolve, RESOLUTION_DELAY_MS, 'late').unref())
    : aborted;
  const second = await Promise.race([other, grace]);
  const dnsMs = performance.now() - started;
  const results: FamilyResult[] = [first.r, typeof second === 'string' ? { code: second === 'late' ? 'ELATE' : 'ETIMEOUT' } : second];
  const byFamily = first.family === 4 ? results : [results[1]!, results[0]!];
  const answers = byFamily.flatMap((r) => ('answers' in r ? r.answers : []));
  if (answers.length > 0) return { ok: true, answers, dnsMs };

  const codes = byFamily.map((r) => ('code' in r ? r.code : 'ENODATA'));
  const reason = dnsFailureReason(codes);
  return { ok: false, reason, dnsMs: reason === 'dns_timeout' ? null : dnsMs, message: `DNS: ${codes.join(' (A), ')} (AAAA)` };
}

/** The most telling reason among the A and AAAA error codes. */
export function dnsFailureReason(codes: string[]): FailureReason {
  if (codes.includes('ENOTFOUND')) return 'nxdomain';
  if (codes.every((c) => c === 'ENODATA' || c === 'ENOTFOUND')) return 'no_answer';
  if (codes.includes('EREFUSED')) return 'dns_refused';
  if (codes.some((c) => c === 'ETIMEOUT' || c === 'ECANCELLED' || c === 'ECONNREFUSED')) return 'dns_timeout';
  if (codes.includes('ENODATA')) return 'no_answer';
  return 'dns_error';
}

/** Opens a TCP connection to address:port and closes it at once; never throws. */
export function tryConnect(answer: Answer, port: number, signal: AbortSignal): Promise<AddressResult> {
  const scope = addressScope(answer.address);
  const base = { address: answer.address, family: answer.family, scope };
  // 0.0.0.0 and :: would connect to this machine: a DNS firewall's "blocked" answer, not an endpoint.
  if (scope === 'unspecified') return Promise.resolve({ ...base, outcome: 'dns_sinkhole', connectMs: 0 });
  if (signal.aborted) return Promise.resolve({ ...base, outcome: 'timeout', connectMs: 0 });
  const started = performance.now();
  return new Promise((resolve) => {
    const socket = connect({ host: answer.address, port, family: answer.family, noDelay: true });
    const finish = (outcome: AddressResult['outcome']) => {
      signal.removeEventListener('abort', onAbort);
      socket.removeAllListeners();
      socket.on('error', () => {});
      socket.destroy();
      resolve({ ...base, outcome, connectMs: performance.now() - started });
    };
    const onAbort = () => finish('timeout');
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => finish('connected'));
    socket.once('error', (err: NodeJS.ErrnoException) => finish(connectFailureReason(err.code)));
  });
}

/** Maps a socket error code to a reason an operator can act on. */
export function connectFailureReason(code: string | undefined): FailureReason {
  switch (code) {
    case 'ECONNREFUSED':
      return 'refused';
    case 'ECONNRESET':
    case 'EPIPE':
      return 'reset';
    case 'ENETUNREACH':
    case 'EHOSTUNREACH':
    case 'EADDRNOTAVAIL':
    case 'EINVAL': // connect() over a `blackhole` route
      return 'no_route';
    case 'EACCES':
    case 'EPERM': // a `prohibit` route or a local firewall rule
      return 'blocked';
    case 'ETIMEDOUT':
      return 'timeout';
    default:
      return 'connect_error';
  }
}
