/**
 * One network readiness check: every endpoint the deployment needs, concurrently,
 * under one deadline. A blackholed endpoint costs the check its timeout, never more,
 * and never delays the others' results.
 */
import { Resolver } from 'node:dns/promises';
import { setMaxListeners } from 'node:events';
import { performance } from 'node:perf_hooks';
import type { DeploymentMode } from '../core/config.js';
import { ValidationError } from '../core/errors.js';
import { endpointsFor, isRegion, partitionOf, type CatalogQuery, type ResolvedEndpoint } from './catalog.js';
import { classifyEndpoint, type ClassifyContext } from './classify.js';
import { discoverOwnAddresses, type OwnAddresses } from './own-addresses.js';
import { resolveAddresses, tryConnect } from './probe.js';
import type { EndpointResult, NetcheckReport } from './report.js';

/** @default 3000 ms, the same as the runner's `netcheck.timeout`. */
export const DEFAULT_TIMEOUT_MS = 3000;
/** At most this many answers per name are tried (an interface endpoint has one per Availability Zone). */
const MAX_ADDRESSES_PER_ENDPOINT = 6;

/** What to check: the catalog query (region, mode, features, account, capacity, optional endpoints) and how. */
export interface NetcheckOptions extends CatalogQuery {
  /** Check exactly these endpoints instead of the catalog's selection. */
  endpoints?: readonly ResolvedEndpoint[];
  /**
   * Where DNS questions go: a Resolver (its servers are used), `host:port` / `[v6]:port`,
   * or a list of those. @default the system's servers (/etc/resolv.conf)
   */
  resolver?: Resolver | string | readonly string[];
  /** Bound on the whole check, in milliseconds. @default 3000 */
  timeoutMs?: number;
  /** TCP port to connect to. AWS endpoints listen on 443; tests on loopback use others. @default 443 */
  port?: number;
  /** The task's own addresses; discovered (ECS task metadata v4, else interfaces) when omitted. */
  ownAddresses?: readonly string[];
  /** Whether the task has a public IP; inferred from its addresses and `public-ip` mode when omitted. */
  taskHasPublicIp?: boolean;
  /** Environment to read ECS_CONTAINER_METADATA_URI_V4 from. @default process.env */
  env?: NodeJS.ProcessEnv;
  /** Stops the check early; unfinished endpoints are reported as timed out. */
  signal?: AbortSignal;
}

/** Checks DNS and a direct TCP connection to every endpoint, and reports `ready` or `degraded`. */
export async function runNetcheck(opts: NetcheckOptions): Promise<NetcheckReport> {
  if (!isRegion(opts.region)) throw new ValidationError(`"${opts.region}" is not an AWS Region name (like eu-west-1)`, 'region');
  const mode = opts.mode ?? 'isolated';
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!(timeoutMs > 0) || !Number.isFinite(timeoutMs)) throw new ValidationError(`timeout must be a positive number of milliseconds, got ${timeoutMs}`, 'timeoutMs');
  const port = opts.port ?? 443;
  const endpoints = opts.endpoints
    ? [...opts.endpoints]
    : endpointsFor({ ...opts, mode });

  const resolver = makeResolver(opts.resolver, timeoutMs);

  const startedAt = new Date();
  const started = performance.now();
  const deadline = new AbortController();
  // Every address of every endpoint listens for the deadline.
  setMaxListeners(0, deadline.signal);
  const timer = setTimeout(() => deadline.abort(), timeoutMs);
  const onOuterAbort = () => deadline.abort();
  opts.signal?.addEventListener('abort', onOuterAbort, { once: true });
  if (opts.signal?.aborted) deadline.abort();

  try {
    const ownOpts = { addresses: opts.ownAddresses, hasPublicIp: opts.taskHasPublicIp, mode, env: opts.env };
    const own = discoverOwnAddresses({ ...ownOpts, metadataTimeoutMs: Math.min(1000, timeoutMs) });
    // Every endpoint starts at once; each waits for its own answers only.
    const probes = endpoints.map((e) => probeEndpoint(e, resolver, port, deadline.signal));
    // The metadata endpoint has its own shorter timeout; this only guards against a hang.
    const task = await withDeadline(own, deadline.signal, () => discoverOwnAddresses({ ...ownOpts, env: {} }));
    const ctx: ClassifyContext = { region: opts.region, mode, hasPublicIp: task.hasPublicIp, port };
    const probed = await Promise.all(probes);
    const results = probed.map((p) => classifyEndpoint(p.endpoint, p.dns, p.tcp, ctx));
    return buildReport({ opts, mode, timeoutMs, port, startedAt, durationMs: performance.now() - started, resolver, task, results });
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onOuterAbort);
    resolver.cancel();
  }
}

export interface ProbeResult {
  endpoint: ResolvedEndpoint;
  dns: Awaited<ReturnType<typeof resolveAddresses>>;
  tcp: Awaited<ReturnType<typeof tryConnect>>[];
}

/** Resolves one endpoint and connects to each of its answers (exported for the serial baseline in bench/). */
export async function probeEndpoint(endpoint: ResolvedEndpoint, resolver: Resolver, port: number, signal: AbortSignal): Promise<ProbeResult> {
  const dns = await resolveAddresses(resolver, endpoint.hostname, signal);
  if (!dns.ok) return { endpoint, dns, tcp: [] };
  const tcp = await Promise.all(dns.answers.slice(0, MAX_ADDRESSES_PER_ENDPOINT).map((a) => tryConnect(a, port, signal)));
  return { endpoint, dns, tcp };
}

/**
 * A c-ares resolver for one check. c-ares runs every query on the event loop (no
 * thread pool), and its servers can be set, which `dns.lookup` cannot do.
 */
export function makeResolver(given: NetcheckOptions['resolver'], timeoutMs: number): Resolver {
  // Two tries inside the deadline, so one lost UDP packet does not fail an endpoint.
  const r = new Resolver({ timeout: Math.max(50, Math.floor(timeoutMs / 3)), tries: 2 });
  const servers = given === undefined ? undefined : given instanceof Resolver ? given.getServers() : typeof given === 'string' ? [given] : [...given];
  if (servers) {
    try {
      r.setServers(servers);
    } catch (err) {
      throw new ValidationError(`resolver ${JSON.stringify(servers)} is not valid: use host:port, like 10.0.0.2:53 or [fd00::2]:53 (${(err as Error).message})`, 'resolver');
    }
  }
  return r;
}

/** `p`, or `fallback()` if the signal fires first. */
function withDeadline<T>(p: Promise<T>, signal: AbortSignal, fallback: () => Promise<T>): Promise<T> {
  if (signal.aborted) return fallback();
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => fallback().then(resolve, reject);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      () => {
        signal.removeEventListener('abort', onAbort);
        fallback().then(resolve, reject);
      },
    );
  });
}

interface ReportParts {
  opts: NetcheckOptions;
  mode: DeploymentMode;
  timeoutMs: number;
  port: number;
  startedAt: Date;
  durationMs: number;
  resolver: Resolver;
  task: OwnAddresses;
  results: EndpointResult[];
}

function buildReport(p: ReportParts): NetcheckReport {
  const failedRequired = p.results.filter((r) => r.required && r.status === 'failed').length;
  return {
    status: failedRequired === 0 ? 'ready' : 'degraded',
    region: p.opts.region,
    partition: partitionOf(p.opts.region).id,
    mode: p.mode,
    startedAt: p.startedAt.toISOString(),
    durationMs: Math.round(p.durationMs * 10) / 10,
    timeoutMs: p.timeoutMs,
    port: p.port,
    resolvers: p.resolver.getServers(),
    task: p.task,
    summary: {
      endpoints: p.results.length,
      required: p.results.filter((r) => r.required).length,
      reachable: p.results.filter((r) => r.status === 'ok').length,
      failedRequired,
      failedOptional: p.results.filter((r) => !r.required && r.status === 'failed').length,
    },
    endpoints: p.results,
  };
}
