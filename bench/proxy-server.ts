/**
 * Airlock's proxy as the benchmark runs it: one process, a real in-memory SQLite
 * store, one running environment whose owner port points at the bench upstream,
 * and a real session cookie (so every request is authenticated, as in production).
 * `node proxy-server.js <upstreamPort>`; prints `{ port, host, cookie, pid }`.
 */
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { templateSchema } from '../src/core/template.js';
import { SessionManager, ENV_COOKIE } from '../src/auth/sessions.js';
import { ActivityTracker } from '../src/proxy/activity.js';
import { RouteCache } from '../src/proxy/routes.js';
import { startProxyServer } from '../src/proxy/server.js';
import { tuneHeapForServer } from '../src/cli/server-heap.js';

async function main(): Promise<void> {
  tuneHeapForServer(); // as `airlock proxy` does
  const upstreamPort = Number(process.argv[2]);
  const store = SqliteStore.open(':memory:');
  const user = { name: 'bench', role: 'member' as const, createdAt: new Date().toISOString() };
  await store.createUser(user);
  await store.createEnvironment({
    id: 'env_bench',
    name: 'bench',
    owner: 'bench',
    template: 'bench',
    spec: templateSchema.parse({ name: 'bench', ports: [{ port: 8080 }] }),
    state: 'running',
    instance: { provider: 'local', id: '1', address: '127.0.0.1', ports: { '8080': upstreamPort } },
  });
  const routes = await RouteCache.load(store, { pollMs: 2000 });
  const sessions = await SessionManager.open(store);
  const activity = new ActivityTracker(store);
  const host = '8080--bench.localhost';
  const { value } = await sessions.create(user, host);
  const proxy = await startProxyServer({
    port: 0,
    routes,
    sessions,
    activity,
    verifyBearer: async () => undefined,
    domain: 'localhost',
    runnerUrl: 'http://localhost:7080',
  });
  process.stdout.write(`${JSON.stringify({ port: proxy.port, host, cookie: `${ENV_COOKIE}=${value}`, pid: process.pid })}\n`);
  const stop = async () => {
    await proxy.close();
    routes.close();
    await activity.close();
    await store.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
