import { parseArgs } from 'node:util';
import { RUNNER_OPTIONS, RUNNER_OPTIONS_HELP, loadRunnerConfig } from '../runner-options.js';
import { tuneHeapForServer } from '../server-heap.js';

const HELP = `Usage: airlock proxy [options]

Runs only the environment proxy (one ECS service on AWS): routes come from the store,
which the orchestrator writes. Sessions and tokens are checked against the same store.

Options:
${RUNNER_OPTIONS_HELP}
  --runner-url <u>  the orchestrator's public URL, for sign-in redirects (default: config publicUrl)`;

/** `airlock proxy` */
export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { ...RUNNER_OPTIONS, 'runner-url': { type: 'string' } } });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  tuneHeapForServer();
  const [{ createLogger }, { openStore }, { SessionManager }, { RouteCache }, { ActivityTracker }, { startProxyServer }, { Authenticator }] =
    await Promise.all([
      import('../../telemetry/logger.js'),
      import('../../store/open.js'),
      import('../../auth/sessions.js'),
      import('../../proxy/routes.js'),
      import('../../proxy/activity.js'),
      import('../../proxy/server.js'),
      import('../../orchestrator/api/authenticate.js'),
    ]);
  const { config, dataDir } = await loadRunnerConfig(values);
  const runnerUrl = values['runner-url'] ?? config.publicUrl ?? `http://${config.domain}:${config.port}`;

  const logger = createLogger({ name: 'airlock-proxy' });
  const store = await openStore(config.store, dataDir);
  const sessions = await SessionManager.open(store);
  // Verified tokens are cached briefly, as in the runner: a request does not cost two store reads.
  const auth = new Authenticator(store);
  const routes = await RouteCache.load(store, { pollMs: 2000, logger });
  const activity = new ActivityTracker(store, { intervalMs: config.activityInterval * 1000, logger });
  const server = await startProxyServer({
    port: config.port,
    host: config.host,
    routes,
    sessions,
    activity,
    verifyBearer: (secret) => auth.bearer(secret).catch(() => undefined),
    domain: config.domain.toLowerCase(),
    runnerUrl,
    trustForwarded: config.trustForwarded,
    logger,
  });
  process.stdout.write(`Airlock proxy listening on ${server.url} for *.${config.domain} (${routes.size} environments known)\n`);
  await new Promise<void>((done) => {
    const stop = () => {
      void (async () => {
        await server.close();
        routes.close();
        await activity.close();
        await store.close();
        done();
      })();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  return 0;
}
