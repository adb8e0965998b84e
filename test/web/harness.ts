/**
 * The API, auth routes, live updates and dashboard in one Fastify app over a
 * temporary SQLite store and the fake compute provider: what `airlock up` serves,
 * without child processes, for plugin and browser tests.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { Orchestrator } from '../../src/orchestrator/service.js';
import { TemplateCatalog } from '../../src/orchestrator/templates.js';
import { buildApi } from '../../src/orchestrator/api/app.js';
import { Authenticator } from '../../src/orchestrator/api/authenticate.js';
import type { NetworkSource } from '../../src/orchestrator/api/runner-info.js';
import { liveRoutes, type LiveOptions } from '../../src/orchestrator/api/live.js';
import { templateSchema } from '../../src/core/template.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { bootstrapAdmin } from '../../src/auth/tokens.js';
import { SessionManager } from '../../src/auth/sessions.js';
import { authRoutes, AUTH_PUBLIC_PATHS } from '../../src/orchestrator/api/auth.js';
import { dashboardPlugin } from '../../src/web/plugin.js';
import { FakeProvider } from '../orchestrator/fake-provider.js';

export const ADMIN_TOKEN = 'web-test-admin-token-0123456789';

export interface Harness {
  app: FastifyInstance;
  store: SqliteStore;
  orch: Orchestrator;
  provider: FakeProvider;
  /** Base URL once `listen()` was called. */
  url: string;
  listen(): Promise<string>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  network?: NetworkSource;
  live?: LiveOptions | false;
}

/** Builds the app (not listening yet: call `listen()` for a browser). */
export async function startHarness(opts: HarnessOptions = {}): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-web-'));
  const store = SqliteStore.open(join(dir, 'db.sqlite'));
  await bootstrapAdmin(store, ADMIN_TOKEN);
  const provider = new FakeProvider();
  const web = templateSchema.parse({
    name: 'web', description: 'A small web workspace', command: ['true'], idleTimeout: 1800,
    ports: [{ port: 8080, name: 'ide' }, { port: 3000, share: 'public' }],
  });
  const orch = new Orchestrator({ store, provider, templates: new TemplateCatalog([web], []), logger: silentLogger() });
  const sessions = await SessionManager.open(store);
  const auth = new Authenticator(store);
  auth.useSessions((value, host) => sessions.verify(value, host));
  const urls = { protocol: 'http' as const, domain: 'localhost', port: 7080 };
  const app = await buildApi({
    orchestrator: orch,
    auth,
    urls,
    logger: silentLogger(),
    info: { version: '9.9.9-test', runnerId: 'local', store: 'sqlite', provider: 'fake', domain: 'localhost', mode: 'local', startedAt: new Date().toISOString() },
    ...(opts.network ? { network: opts.network } : {}),
    apiPlugins: [
      authRoutes({ sessions, verifyBearer: (s) => auth.bearer(s), domain: 'localhost', runnerUrl: 'http://localhost:7080' }),
      ...(opts.live === false ? [] : [async (api: FastifyInstance) => { await api.register(liveRoutes(orch, urls, opts.live || {})); }]),
    ],
    rootPlugins: [async (root: FastifyInstance) => { await root.register(dashboardPlugin()); }],
    publicPaths: AUTH_PUBLIC_PATHS,
  });
  const h: Harness = {
    app, store, orch, provider, url: '',
    async listen() {
      await app.listen({ port: 0, host: '127.0.0.1' });
      const addr = app.server.address();
      h.url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
      return h.url;
    },
    async close() {
      await app.close();
      await orch.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return h;
}
