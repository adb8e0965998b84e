import { parseArgs } from 'node:util';
import { VERSION } from '../../core/version.js';
import { RUNNER_OPTIONS, RUNNER_OPTIONS_HELP, loadRunnerConfig } from '../runner-options.js';
import { tuneHeapForServer } from '../server-heap.js';
import { colour } from '../output.js';
import { readCliConfig, writeCliConfig } from '../cli-config.js';

const HELP = `Usage: airlock up [options]

Starts the whole runner on this machine: the API and dashboard, the environment
proxy, the reconciler. State in SQLite, environments as local processes (unless the
config file says otherwise).

Options:
${RUNNER_OPTIONS_HELP}

Environment:
  AIRLOCK_ADMIN_TOKEN  the first admin token, instead of a generated one (first start only)`;

/** `airlock up` */
export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: RUNNER_OPTIONS });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  tuneHeapForServer();
  const { startRunner } = await import('../../orchestrator/runner.js');
  const { createLogger } = await import('../../telemetry/logger.js');
  const { config, source, dataDir } = await loadRunnerConfig(values);

  // JSON logs go to stdout for CloudWatch; at a terminal only warnings, so the banner stays readable.
  const logger = createLogger({ level: process.env.AIRLOCK_LOG_LEVEL ?? (process.stdout.isTTY ? 'warn' : 'info') });
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
