import type { FastifyInstance } from 'fastify';
import type { AirlockConfig } from '../core/config.js';
import type { Store } from '../store/store.js';
import type { Logger } from '../telemetry/logger.js';
import type { Orchestrator } from './service.js';
import type { Authenticator } from './api/authenticate.js';
import type { UrlScheme } from './api/dto.js';
import type { NetworkSource } from './api/runner-info.js';

/** The proxy as the runner's HTTP server sees it. */
export interface ProxyHandle {
  handleRequest(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse): boolean;
  handleUpgrade(req: import('node:http').IncomingMessage, socket: import('node:stream').Duplex, head: Buffer): boolean;
}

/** The roles that sit beside the API in one runner process. */
export interface RunnerServices {
  proxy?: ProxyHandle;
  network?: NetworkSource;
  metrics: () => string;
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
}

/** Wires the proxy, sessions, network check, metrics and dashboard into the runner. */
export async function attachRunnerServices(_deps: ServiceDeps): Promise<RunnerServices> {
  return {
    metrics: () => '',
    apiPlugins: [],
    rootPlugins: [],
    publicPaths: [],
    close: async () => undefined,
  };
}
