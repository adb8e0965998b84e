import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { ConfigError } from '../core/errors.js';
import { parseConfig, type AirlockConfig } from '../core/config.js';
import { configFromStackOutputs, parseStackOutputs } from '../core/stack-outputs.js';

/** Where the config file is looked for, in order, when `--config` is not given. */
export function configCandidates(dataDir: string, cwd = process.cwd()): string[] {
  return [join(cwd, 'airlock.yaml'), join(cwd, 'airlock.yml'), join(dataDir, 'airlock.yaml')];
}

/**
 * Loads and validates the runner config: the stack outputs of an AWS deployment
 * (`AIRLOCK_STACK_OUTPUTS` or `outputsPath`) give the store and compute sections, the
 * config file's top-level keys replace them, and a few environment variables
 * (AIRLOCK_HOST, AIRLOCK_DOMAIN, AIRLOCK_RUNNER_ID, AIRLOCK_PUBLIC_URL, AIRLOCK_TRUST_FORWARDED)
 * win over both.
 * A missing file means all defaults. YAML syntax errors name the line; schema errors
 * name the field.
 */
export async function loadConfig(opts: { path?: string; dataDir: string; outputsPath?: string; env?: NodeJS.ProcessEnv }): Promise<{ config: AirlockConfig; source?: string }> {
  const env = opts.env ?? process.env;
  let base: Record<string, unknown> = {};
  if (opts.outputsPath) base = { ...configFromStackOutputs(parseStackOutputs(await readText(opts.outputsPath), opts.outputsPath)) };
  else if (env.AIRLOCK_STACK_OUTPUTS) base = { ...configFromStackOutputs(parseStackOutputs(env.AIRLOCK_STACK_OUTPUTS, 'AIRLOCK_STACK_OUTPUTS')) };
  const path = opts.path ?? configCandidates(opts.dataDir).find((p) => existsSync(p));
  const fromFile = path ? await readYaml(path) : {};
  const overrides: Record<string, unknown> = {};
  if (env.AIRLOCK_HOST) overrides.host = env.AIRLOCK_HOST;
  if (env.AIRLOCK_DOMAIN) overrides.domain = env.AIRLOCK_DOMAIN;
  if (env.AIRLOCK_RUNNER_ID) overrides.runnerId = env.AIRLOCK_RUNNER_ID;
  if (env.AIRLOCK_PUBLIC_URL) overrides.publicUrl = env.AIRLOCK_PUBLIC_URL;
  if (env.AIRLOCK_TRUST_FORWARDED) overrides.trustForwarded = env.AIRLOCK_TRUST_FORWARDED === 'true';
  const config = parseConfig({ ...base, ...fromFile, ...overrides }, path ?? 'configuration');
  return path ? { config, source: path } : { config };
}

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read ${path}: ${(err as Error).message}`);
  }
}

async function readYaml(path: string): Promise<Record<string, unknown>> {
  const text = await readText(path);
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const where = e.linePos?.[0] ? ` (line ${e.linePos[0].line}, column ${e.linePos[0].col})` : '';
    throw new ConfigError(`${path} is not valid YAML${where}: ${e.message.split('\n')[0]}`);
  }
  const value: unknown = doc.toJS();
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new ConfigError(`${path} must hold a mapping of settings (key: value), not a ${Array.isArray(value) ? 'list' : typeof value}`);
  return value as Record<string, unknown>;
}
