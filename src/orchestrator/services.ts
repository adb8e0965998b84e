import type { FastifyInstance } from 'fastify';
import type { AirlockConfig } from '../core/config.js';
import type { Store } from '../store/store.js';
import type { Logger } from '../telemetry/logger.js';
import { SessionManager } from '../auth/sessions.js';
import { authRoutes, AUTH_PUBLIC_PATHS } from './api/auth.js';
import { createProxy, type Proxy } from '../proxy/proxy.js';
import { RouteCache } from '../proxy/routes.js';
import { ActivityTracker } from '../proxy/activity.js';
import type { Orchestrator } from './service.js';
import { liveRoutes } from './api/live.js';
import { dashboardPlugin } from '../web/plugin.js';
import type { Authenticator } from './api/authenticate.js';
import type { UrlScheme } from './api/dto.js';
import type { NetworkSource } from './api/runner-info.js';
import type { Registry } from '../telemetry/metrics.js';

/** The roles that sit beside the API in one runner process. */
export interface RunnerServices {
  proxy: Pick<Proxy, 'handleRequest' | 'handleUpgrade' | 'handleConnect'>;
  sessions: SessionManager;
  routes: RouteCache;
  activity: ActivityTracker;
  network?: NetworkSource;
  apiPlugins: ((app: FastifyInstance) => Promise<void>)[];
  rootPlugins: ((app: FastifyInstance) => Promise<void>)[];
  publicPaths: string[];
  close(): Promise<void>;
}

export interface ServiceDeps {
  config: AirlockConfig;
  store: Store;
  orchestrator: Orchestrator;
  auth: Authenticator;
  logger: Logger;
  runnerUrl: string;
  urls: UrlScheme;
  registry: Registry;
}

/** Wires the proxy, browser sessions, network check, metrics and dashboard into the runner. */
export async function attachRunnerServices(deps: ServiceDeps): Promise<RunnerServices> {
  const { store, orchestrator, auth, config } = deps;
  const logger = deps.logger.child({ role: 'proxy' });
  const sessions = await SessionManager.open(store);
  // In one process the orchestrator pushes every change; the slow poll catches other replicas.
  const routes = await RouteCache.load(store, { pollMs: 10_000, logger });
  const unsubscribe = orchestrator.changes.subscribe((c) => (c.env ? routes.upsert(c.env) : routes.remove(c.name)));
  const activity = new ActivityTracker(store, { intervalMs: config.activityInterval * 1000, logger });
  const verifyBearer = async (secret: string) => auth.bearer(secret).catch(() => undefined);
  const proxy = createProxy({
    routes,
    sessions,
    verifyBearer,
    activity,
    domain: config.domain.toLowerCase(),
    runnerUrl: deps.runnerUrl,
    trustForwarded: config.trustForwarded,
    startEnvironment: async (name, user) => {
      await orchestrator.start(user, name);
    },
    logger,
  });
  auth.useSessions((value, host) => sessions.verify(value, host));
  const network = await startNetcheck(config, deps.registry, deps.logger.child({ role: 'netcheck' }));

  return {
    proxy,
    sessions,
    routes,
    activity,
    ...(network ? { network } : {}),
    apiPlugins: [
      authRoutes({ sessions, verifyBearer, domain: config.domain.toLowerCase(), runnerUrl: deps.runnerUrl }),
      async (app) => {
        await app.register(liveRoutes(orchestrator, deps.urls));
      },
    ],
    rootPlugins: [
      async (app) => {
        await app.register(dashboardPlugin());
      },
    ],
    publicPaths: [...AUTH_PUBLIC_PATHS],
    close: async () => {
      unsubscribe();
      network?.stop();
      routes.close();
      proxy.close();
      await activity.close();
    },
  };
}

/** Starts the periodic network check when the config (or the ECS provider) asks for it. */
async function startNetcheck(config: AirlockConfig, registry: Registry, logger: Logger) {
  const nc = config.netcheck;
  if (!(nc.enabled ?? config.compute.type === 'ecs')) return undefined;
  const { NetcheckMonitor } = await import('../netcheck/monitor.js');
  const monitor = new NetcheckMonitor({
    check: {
      region: nc.region,
      mode: nc.mode,
      timeoutMs: nc.timeout * 1000,
      port: nc.port,
      ...(nc.features ? { features: nc.features } : {}),
      ...(nc.capacity ? { capacity: nc.capacity } : {}),
      ...(nc.account ? { account: nc.account } : {}),
      ...(nc.resolver ? { resolver: nc.resolver } : {}),
    },
    intervalMs: nc.interval * 1000,
    logger,
    metrics: registry,
  });
  // The first check runs in the background: the runner answers at once and the report says `pending` until then.
  void monitor.start().catch((err: unknown) => logger.warn({ err: (err as Error).message }, 'network check failed to run'));
  return monitor;
}
