/**
 * A real proxy on a real socket in front of real upstream servers, over a real
 * (in-memory SQLite) store. Each test file builds one with `startHarness()` and
 * closes it in `after`.
 */
import { createServer, request, type IncomingHttpHeaders, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { WebSocketServer } from 'ws';
import type { Environment, User } from '../../src/core/environment.js';
import { templateSchema, type TemplateInput } from '../../src/core/template.js';
import type { EnvState } from '../../src/core/lifecycle.js';
import { issueToken, verifyToken } from '../../src/auth/tokens.js';
import { SessionManager } from '../../src/auth/sessions.js';
import { authRoutes } from '../../src/orchestrator/api/auth.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { Store } from '../../src/store/store.js';
import { ActivityTracker } from '../../src/proxy/activity.js';
import { RouteCache } from '../../src/proxy/routes.js';
import { startProxyServer, type ProxyServer, type ServerLimits } from '../../src/proxy/server.js';

/** What the upstream saw. */
export interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  rawHeaders: string[];
  bodyBytes: number;
}

export interface Upstream {
  server: Server;
  wss: WebSocketServer;
  port: number;
  seen: Seen[];
  /** Bytes of `/big` bodies the upstream has handed to its socket so far. */
  bigWritten: () => number;
  close(): Promise<void>;
}

/**
 * A tiny upstream: `/big?mb=N` streams N MiB, `/upload` counts the body it
 * receives, anything else answers JSON with what it saw. WebSocket: echoes,
 * and picks the first offered subprotocol.
 */
export async function startUpstream(): Promise<Upstream> {
  const seen: Seen[] = [];
  let bigWritten = 0;
  const server = createServer((req, res) => {
    const entry: Seen = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, rawHeaders: req.rawHeaders, bodyBytes: 0 };
    seen.push(entry);
    req.on('data', (c: Buffer) => (entry.bodyBytes += c.length));
    req.on('end', () => {
      if (req.url?.startsWith('/big')) {
        const mb = Number(new URL(req.url, 'http://x').searchParams.get('mb') ?? '1');
        const chunk = Buffer.alloc(64 * 1024, 120);
        let left = mb * 16;
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': mb * 1024 * 1024 });
        const pump = () => {
          while (left > 0) {
            left--;
            bigWritten += chunk.length;
            if (!res.write(chunk)) return void res.once('drain', pump);
          }
          res.end();
        };
        pump();
        return;
      }
      const body = JSON.stringify({ method: req.method, url: req.url, headers: req.headers, bodyBytes: entry.bodyBytes });
      res.writeHead(200, { 'content-type': 'application/json', 'x-upstream': 'yes', connection: 'keep-alive, x-hop', 'x-hop': 'secret', 'keep-alive': 'timeout=5' });
      res.end(body);
    });
  });
  const wss = new WebSocketServer({
    server,
    handleProtocols: (protocols) => [...protocols][0] ?? false,
  });
  wss.on('connection', (ws, req) => {
    seen.push({ method: 'WS', url: req.url ?? '', headers: req.headers, rawHeaders: req.rawHeaders, bodyBytes: 0 });
    ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    server,
    wss,
    port: (server.address() as AddressInfo).port,
    seen,
    bigWritten: () => bigWritten,
    close: async () => {
      for (const c of wss.clients) c.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

const baseTemplate: TemplateInput = {
  name: 'base',
  command: ['node', 'server.js'],
  ports: [{ port: 8080, name: 'ide' }, { port: 3000, share: 'org' }, { port: 4000, share: 'public' }],
};

export interface Harness {
  store: Store;
  upstream: Upstream;
  routes: RouteCache;
  sessions: SessionManager;
  activity: ActivityTracker;
  proxy: ProxyServer;
  auth: FastifyInstance;
  /** The auth routes' base URL (the "runner"), e.g. http://127.0.0.1:1234. */
  runnerUrl: string;
  users: Record<'alice' | 'bob' | 'root', { user: User; token: string }>;
  started: string[];
  /** Adds an environment (and its route) pointing at the upstream. */
  addEnv(name: string, owner: string, state: EnvState, over?: Partial<Pick<Environment, 'reason'>> & { targetPort?: number }): Promise<Environment>;
  close(): Promise<void>;
}

export async function startHarness(opts: { limits?: Partial<ServerLimits> } = {}): Promise<Harness> {
  const store = SqliteStore.open(':memory:');
  const upstream = await startUpstream();
  const users = {} as Harness['users'];
  for (const [name, role] of [['alice', 'member'], ['bob', 'member'], ['root', 'admin']] as const) {
    const user: User = { name, role, createdAt: new Date().toISOString() };
    await store.createUser(user);
    users[name] = { user, token: (await issueToken(store, name)).secret };
  }
  const verifyBearer = async (secret: string) => {
    try {
      return { user: (await verifyToken(store, secret)).user };
    } catch {
      return undefined;
    }
  };
  const routes = await RouteCache.load(store, { pollMs: 0 });
  const sessions = await SessionManager.open(store);
  const activity = new ActivityTracker(store, { intervalMs: 60_000, timer: false });

  // The runner side: only the auth routes, registered the way the API registers them.
  const runner = Fastify();
  runner.setValidatorCompiler(validatorCompiler);
  runner.setSerializerCompiler(serializerCompiler);
  await runner.register(authRoutes({ sessions, verifyBearer, domain: 'localhost', runnerUrl: 'http://localhost' }), { prefix: '/api/v1' });
  await runner.listen({ port: 0, host: '127.0.0.1' });
  const runnerUrl = `http://127.0.0.1:${(runner.server.address() as AddressInfo).port}`;

  const started: string[] = [];
  const proxy = await startProxyServer({
    port: 0,
    routes,
    sessions,
    verifyBearer,
    activity,
    domain: 'localhost',
    runnerUrl,
    startEnvironment: async (name) => {
      started.push(name);
    },
    ...(opts.limits ? { limits: opts.limits } : {}),
  });

  const spec = templateSchema.parse(baseTemplate);
  let n = 0;
  return {
    store,
    upstream,
    routes,
    sessions,
    activity,
    proxy,
    auth: runner,
    runnerUrl,
    users,
    started,
    async addEnv(name, owner, state, over = {}) {
      n++;
      const target = over.targetPort ?? upstream.port;
      const env = await store.createEnvironment({
        id: `env_test${n}${name.replace(/-/g, '')}`,
        name,
        owner,
        template: 'base',
        spec,
        state,
        ...(over.reason ? { reason: over.reason } : {}),
        ...(state === 'running' || state === 'stopping'
          ? { instance: { provider: 'local', id: String(n), address: '127.0.0.1', ports: { '8080': target, '3000': target, '4000': target } } }
          : {}),
      });
      routes.upsert(env);
      return env;
    },
    async close() {
      await proxy.close();
      await runner.close();
      await upstream.close();
      routes.close();
      await activity.close();
      await store.close();
    },
  };
}

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One HTTP request to `port` with an explicit Host header. */
export function send(port: number, host: string, path = '/', opts: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: opts.method ?? 'GET', headers: { host, ...opts.headers }, agent: false }, (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** Writes raw bytes to `port` and returns everything the server sends back until it closes (or `ms` passes). */
export function raw(port: number, bytes: string, ms = 3000): Promise<string> {
  return new Promise((resolve, reject) => {
    import('node:net').then(({ connect }) => {
      const sock = connect(port, '127.0.0.1');
      const chunks: Buffer[] = [];
      const timer = setTimeout(() => sock.destroy(), ms);
      sock.on('data', (c: Buffer) => chunks.push(c));
      sock.on('close', () => {
        clearTimeout(timer);
        resolve(Buffer.concat(chunks).toString('latin1'));
      });
      sock.on('error', (err) => {
        clearTimeout(timer);
        if ((err as NodeJS.ErrnoException).code === 'ECONNRESET') resolve(Buffer.concat(chunks).toString('latin1'));
        else reject(err);
      });
      sock.write(bytes);
    }, reject);
  });
}
