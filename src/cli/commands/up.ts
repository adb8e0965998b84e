import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { ConfigError } from '../../core/errors.js';
import { VERSION } from '../../core/version.js';
import { colour } from '../output.js';
import { readCliConfig, writeCliConfig } from '../cli-config.js';

const HELP = `Usage: airlock up [options]

Starts the whole runner on this machine: the API and dashboard, the environment
proxy, the reconciler. State in SQLite, environments as local processes (unless the
config file says otherwise).

Options:
  --port <n>        port for the API, dashboard and proxy (AIRLOCK_PORT; default 7080)
  --host <addr>     address to listen on (default 127.0.0.1)
  --data-dir <dir>  where state, homes and logs live (AIRLOCK_DATA_DIR; default ~/.airlock)
  --config <file>   config file (AIRLOCK_CONFIG; default ./airlock.yaml, then <data-dir>/airlock.yaml)
  --outputs <file>  an AWS deployment's outputs.json (or AIRLOCK_STACK_OUTPUTS): DynamoDB store, ECS provider

Environment:
  AIRLOCK_ADMIN_TOKEN  the first admin token, instead of a generated one (first start only)`;

/** `airlock up` */
export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'data-dir': { type: 'string' },
      config: { type: 'string' },
      outputs: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const { startRunner, defaultDataDir } = await import('../../orchestrator/runner.js');
  const { loadConfig } = await import('../../orchestrator/config-file.js');
  const { createLogger } = await import('../../telemetry/logger.js');

  const dataDir = values['data-dir'] ? resolve(values['data-dir']) : defaultDataDir();
  const configPath = values.config ?? process.env.AIRLOCK_CONFIG;
  const { config, source } = await loadConfig({ dataDir, ...(configPath ? { path: resolve(configPath) } : {}), ...(values.outputs ? { outputsPath: resolve(values.outputs) } : {}) });
  const portText = values.port ?? process.env.AIRLOCK_PORT;
  if (portText !== undefined) {
    const port = Number(portText);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`port "${portText}" is not a port number (0-65535)`, 'port');
    config.port = port;
  }
  if (values.host) config.host = values.host;

  const logger = createLogger();
  const runner = await startRunner({ config, dataDir, logger, ...(process.env.AIRLOCK_ADMIN_TOKEN ? { adminToken: process.env.AIRLOCK_ADMIN_TOKEN } : {}) });

  const lines = [
    '',
    `${colour('bold', `Airlock ${VERSION}`)} is running`,
    `  Dashboard and API  ${colour('blue', runner.url)}`,
    `  Environments       http://<port>--<name>.${config.domain}:${runner.port}`,
    `  Data               ${dataDir} (${runner.store.kind} store, ${runner.provider.kind} environments)`,
    ...(source ? [`  Config             ${source}`] : []),
  ];
  if (runner.adminToken) {
    lines.push(`  Admin token        ${colour('yellow', runner.adminToken)}`, '                     shown once: keep it safe (only its hash is stored)');
    if (!readCliConfig()) {
      const saved = await writeCliConfig({ url: runner.url, token: runner.adminToken });
      lines.push(`                     saved for the CLI in ${saved}`);
    }
  }
  lines.push('', `  Try:  npx airlock env create demo --template demo`, '  Stop: Ctrl-C (environments keep running; the next `airlock up` finds them)', '');
  process.stdout.write(`${lines.join('\n')}\n`);

  await new Promise<void>((done) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) {
        process.exit(130);
      }
      stopping = true;
      logger.info({ signal }, 'shutting down');
      runner.close().then(done, done);
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  return 0;
}
