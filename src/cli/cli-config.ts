import { readFileSync } from 'node:fs';
import { mkdir, writeFile, rename } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

/** What `airlock login` saves: the runner URL and a token. */
export interface CliConfig {
  url: string;
  token: string;
}

/** The CLI config file: AIRLOCK_CLI_CONFIG, or ~/.airlock/cli.json. */
export function cliConfigPath(): string {
  return process.env.AIRLOCK_CLI_CONFIG ?? join(homedir(), '.airlock', 'cli.json');
}

export function readCliConfig(): CliConfig | undefined {
  try {
    const raw = JSON.parse(readFileSync(cliConfigPath(), 'utf8')) as Partial<CliConfig>;
    if (typeof raw.url === 'string' && typeof raw.token === 'string') return { url: raw.url, token: raw.token };
  } catch {
    // missing or unreadable: as if not logged in
  }
  return undefined;
}

/** Saves the config readable by its owner only (it holds a token). */
export async function writeCliConfig(config: CliConfig): Promise<string> {
  const path = cliConfigPath();
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  await rename(tmp, path);
  return path;
}
