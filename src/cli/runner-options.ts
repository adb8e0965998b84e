import { resolve } from 'node:path';
import { ConfigError } from '../core/errors.js';
import type { AirlockConfig } from '../core/config.js';

/** The options every command that runs a runner role accepts (`up`, `proxy`). */
export const RUNNER_OPTIONS = {
  port: { type: 'string' },
  host: { type: 'string' },
  'data-dir': { type: 'string' },
  config: { type: 'string' },
  outputs: { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

/** Their help lines. */
export const RUNNER_OPTIONS_HELP = `  --port <n>        port to listen on (AIRLOCK_PORT; default 7080)
  --host <addr>     address to listen on (AIRLOCK_HOST; default 127.0.0.1)
  --data-dir <dir>  where state, homes and logs live (AIRLOCK_DATA_DIR; default ~/.airlock)
  --config <file>   config file (AIRLOCK_CONFIG; default ./airlock.yaml, then <data-dir>/airlock.yaml)
  --outputs <file>  an AWS deployment's outputs.json (or AIRLOCK_STACK_OUTPUTS): DynamoDB store, ECS provider`;

export interface RunnerOptionValues {
  port?: string;
  host?: string;
  'data-dir'?: string;
  config?: string;
  outputs?: string;
}

/** Loads the config the options and environment point at, with `--port`/`--host` applied. */
export async function loadRunnerConfig(values: RunnerOptionValues): Promise<{ config: AirlockConfig; source?: string; dataDir: string }> {
  const [{ defaultDataDir }, { loadConfig }] = await Promise.all([import('../orchestrator/runner.js'), import('../orchestrator/config-file.js')]);
  const dataDir = values['data-dir'] ? resolve(values['data-dir']) : defaultDataDir();
  const configPath = values.config ?? process.env.AIRLOCK_CONFIG;
  const { config, source } = await loadConfig({
    dataDir,
    ...(configPath ? { path: resolve(configPath) } : {}),
    ...(values.outputs ? { outputsPath: resolve(values.outputs) } : {}),
  });
  const portText = values.port ?? process.env.AIRLOCK_PORT;
  if (portText !== undefined) {
    const port = Number(portText);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`port "${portText}" is not a port number (0-65535)`, 'port');
    config.port = port;
  }
  if (values.host) config.host = values.host;
  return { config, dataDir, ...(source ? { source } : {}) };
}
