import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { ConfigError } from '../../core/errors.js';

const HELP = `Usage: airlock proxy [options]

Runs only the environment proxy (one ECS service on AWS): routes come from the store,
which the orchestrator writes. Sessions and tokens are checked against the same store.

Options:
  --port <n>        port to listen on (AIRLOCK_PORT; default: the config's port)
  --host <addr>     address to listen on (default: the config's host)
  --data-dir <dir>  data folder (for the SQLite store; AIRLOCK_DATA_DIR)
  --config <file>   config file (AIRLOCK_CONFIG)
  --outputs <file>  an AWS deployment's outputs.json (or AIRLOCK_STACK_OUTPUTS)
  --runner-url <u>  the orchestrator's public URL, for sign-in redirects (default: config publicUrl)`;

/** `airlock proxy` */
export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'data-dir': { type: 'string' },
      config: { type: 'string' },
      outputs: { type: 'string' },
      'runner-url': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const [{ defaultDataDir }, { loadConfig }, { createLogger }, { openStore }, { SessionManager }, { RouteCache }, { ActivityTracker }, { startProxyServer }, { verifyToken }] =
    await Promise.all([
      import('../../orchestrator/runner.js'),
      import('../../orchestrator/config-file.js'),
      import('../../telemetry/logger.js'),
      import('../../store/open.js'),
      import('../../auth/sessions.js'),
      import('../../proxy/routes.js'),
      import('../../proxy/activity.js'),
      import('../../proxy/server.js'),
      import('../../auth/tokens.js'),
    ]);
  const dataDir = values['data-dir'] ? resolve(values['data-dir']) : defaultDataDir();
  const configPath = values.config ?? process.env.AIRLOCK_CONFIG;
  const { config } = await loadConfig({ dataDir, ...(configPath ? { path: resolve(configPath) } : {}), ...(values.outputs ? { outputsPath: resolve(values.outputs) } : {}) });
  const portText = values.port ?? process.env.AIRLOCK_PORT;
  const port = portText === undefined ? config.port : Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`port "${portText}" is not a port number (0-65535)`, 'port');
  const runnerUrl = values['runner-url'] ?? config.publicUrl ?? `http://${config.domain}:${config.port}`;

  const logger = createLogger({ name: 'airlock-proxy' });
  const store = await openStore(config.store, dataDir);
  const sessions = await SessionManager.open(store);
  const routes = await RouteCache.load(store, { pollMs: 2000, logger });
  const activity = new ActivityTracker(store, { intervalMs: config.activityInterval * 1000, logger });
  const server = await startProxyServer({
    port,
    host: values.host ?? config.host,
    routes,
    sessions,
    activity,
    verifyBearer: async (secret) => verifyToken(store, secret).catch(() => undefined),
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
