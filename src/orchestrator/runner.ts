import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { mkdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { AirlockConfig } from '../core/config.js';
import { AirlockError } from '../core/errors.js';
import { VERSION } from '../core/version.js';
import { bootstrapAdmin } from '../auth/tokens.js';
import { openStore } from '../store/open.js';
import { openProvider } from '../compute/open.js';
import type { Store } from '../store/store.js';
import type { ComputeProvider } from '../compute/provider.js';
import { createLogger, type Logger } from '../telemetry/logger.js';
import { DEFAULT_LIMITS, serverOptions } from '../proxy/server.js';
import { Orchestrator } from './service.js';
import { Reconciler } from './reconciler.js';
import { TemplateCatalog } from './templates.js';
import { buildApi } from './api/app.js';
import { Authenticator } from './api/authenticate.js';
import type { UrlScheme } from './api/dto.js';
import { attachRunnerServices, type RunnerServices } from './services.js';
import { RunnerMetrics } from './runner-metrics.js';
import { Registry } from '../telemetry/metrics.js';

export interface RunnerOptions {
  config: AirlockConfig;
  dataDir: string;
  logger?: Logger;
  /** The first admin token, when the operator chose it (AIRLOCK_ADMIN_TOKEN). */
  adminToken?: string;
}

/** A running runner: everything `airlock up` starts, and how to stop it. */
export interface Runner {
  url: string;
  port: number;
  /** The first admin token, only on the very first start. */
  adminToken?: string;
  store: Store;
  provider: ComputeProvider;
  orchestrator: Orchestrator;
  reconciler: Reconciler;
  services: RunnerServices;
  close(): Promise<void>;
}

/** The default data folder: AIRLOCK_DATA_DIR or ~/.airlock. */
export function defaultDataDir(): string {
  return resolve(process.env.AIRLOCK_DATA_DIR ?? join(homedir(), '.airlock'));
}

/** The port-in-use and permission errors a user can act on. */
export class ListenError extends AirlockError {
  constructor(message: string) {
    super('listen_failed', 500, message);
  }
}

/**
 * Starts the whole runner in this process: store, compute provider, orchestrator and
 * reconciler, the API and dashboard, the proxy and the network check, all behind one
 * HTTP port. Environment hosts go to the proxy; everything else to the API.
 */
export async function startRunner(opts: RunnerOptions): Promise<Runner> {
  const { config } = opts;
  const logger = opts.logger ?? createLogger();
  await mkdir(opts.dataDir, { recursive: true, mode: 0o700 });
  const store = await openStore(config.store, opts.dataDir);
  const closers: (() => Promise<void>)[] = [() => store.close()];
  try {
    const adminToken = await bootstrapAdmin(store, opts.adminToken);
    const provider = await openProvider(config, opts.dataDir);
    closers.unshift(async () => provider.close?.());
    const templates = new TemplateCatalog(config.templates);
    const orchestrator = new Orchestrator({ store, provider, templates, logger: logger.child({ role: 'orchestrator' }) });
    closers.unshift(() => orchestrator.close());
    const registry = new Registry();
    const metrics = new RunnerMetrics(registry);
    const stopFollowing = await metrics.follow(store, orchestrator.changes);
    closers.unshift(async () => stopFollowing());
    const reconciler = new Reconciler(orchestrator, {
      intervalSeconds: config.reconcileInterval,
      orphanSweepSeconds: config.orphanSweepInterval,
      orphans: config.compute.type === 'ecs' ? config.compute.orphans : 'stop',
      logger: logger.child({ role: 'reconciler' }),
      onPass: (report) => metrics.pass(report),
    });

    const publicHost = config.publicUrl ? new URL(config.publicUrl) : undefined;
    // The proxy's limits: keep-alive above the ALB's 60 s, bounded header and request times, checked every second.
    const server = createServer(serverOptions());
    server.keepAliveTimeout = DEFAULT_LIMITS.keepAliveTimeoutMs;
    const port = await listen(server, config.port, config.host);
    const urls: UrlScheme = publicHost
      ? { protocol: publicHost.protocol === 'https:' ? 'https' : 'http', domain: config.domain, ...(publicHost.port ? { port: Number(publicHost.port) } : {}) }
      : { protocol: 'http', domain: config.domain, port };
    const url = config.publicUrl?.replace(/\/$/, '') ?? `http://${config.domain}:${port}`;

    const auth = new Authenticator(store);
    const services = await attachRunnerServices({ config, store, orchestrator, auth, logger, runnerUrl: url, urls, registry });
    closers.unshift(() => services.close());

    const api = await buildApi({
      orchestrator,
      auth,
      urls,
      logger: logger.child({ role: 'api' }),
      info: {
        version: VERSION,
        runnerId: config.runnerId,
        store: store.kind,
        provider: provider.kind,
        domain: config.domain,
        mode: config.compute.type === 'ecs' ? config.compute.mode : 'local',
        startedAt: new Date().toISOString(),
      },
      ...(services.network ? { network: services.network } : {}),
      metrics: () => metrics.render(),
      apiPlugins: services.apiPlugins,
      rootPlugins: services.rootPlugins,
      publicPaths: services.publicPaths,
    });
    closers.unshift(() => api.close());

    const route = (req: IncomingMessage, res: ServerResponse) => {
      if (services.proxy.handleRequest(req, res)) return;
      api.routing(req, res);
    };
    server.on('request', route);
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      if (!services.proxy.handleUpgrade(req, socket, head)) socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    });
    server.on('connect', (req: IncomingMessage, socket: Duplex) => services.proxy.handleConnect(req, socket));
    closers.unshift(() => closeServer(server));

    reconciler.start();
    closers.unshift(() => reconciler.stop());
    logger.info({ url, dataDir: opts.dataDir, store: store.kind, provider: provider.kind }, 'runner started');

    let closed: Promise<void> | undefined;
    return {
      url,
      port,
      ...(adminToken ? { adminToken } : {}),
      store,
      provider,
      orchestrator,
      reconciler,
      services,
      close: () => (closed ??= runAll(closers)),
    };
  } catch (err) {
    await runAll(closers).catch(() => undefined);
    throw err;
  }
}

async function runAll(closers: (() => Promise<void>)[]): Promise<void> {
  for (const close of closers) {
    try {
      await close();
    } catch {
      // keep closing the rest
    }
  }
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') reject(new ListenError(`port ${port} on ${host} is already in use: stop what uses it, or choose another port with --port or AIRLOCK_PORT`));
      else if (err.code === 'EACCES') reject(new ListenError(`not allowed to listen on port ${port}: choose a port above 1023 with --port`));
      else reject(err);
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      const addr = server.address();
      resolvePort(typeof addr === 'object' && addr ? addr.port : port);
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((done) => {
    server.close(() => done());
    server.closeIdleConnections();
    setTimeout(() => server.closeAllConnections(), 2000).unref();
  });
}
