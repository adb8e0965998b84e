import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { ConfigError } from '../core/errors.js';
import { parseConfig, type AirlockConfig } from '../core/config.js';

/** Where the config file is looked for, in order, when `--config` is not given. */
export function configCandidates(dataDir: string, cwd = process.cwd()): string[] {
  return [join(cwd, 'airlock.yaml'), join(cwd, 'airlock.yml'), join(dataDir, 'airlock.yaml')];
}

/**
 * Loads and validates the runner config. A missing file means all defaults. YAML
 * syntax errors name the line; schema errors name the field.
 */
export async function loadConfig(opts: { path?: string; dataDir: string }): Promise<{ config: AirlockConfig; source?: string }> {
  const path = opts.path ?? configCandidates(opts.dataDir).find((p) => existsSync(p));
  if (!path) return { config: parseConfig({}) };
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${path}: ${(err as Error).message}`);
  }
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const where = e.linePos?.[0] ? ` (line ${e.linePos[0].line}, column ${e.linePos[0].col})` : '';
    throw new ConfigError(`${path} is not valid YAML${where}: ${e.message.split('\n')[0]}`);
  }
  return { config: parseConfig(doc.toJS(), path), source: path };
}
