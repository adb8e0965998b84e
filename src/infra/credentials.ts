/**
 * Finds where AWS credentials would come from, without calling the network, so deploy
 * and destroy fail at once with a clear message instead of after a long SDK timeout.
 * Mirrors the SDK's default chain: environment, web identity, SSO/profiles in the shared
 * files, credential_process, the ECS container endpoint, and EC2 instance metadata.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../core/errors.js';

/** Where the credentials were found, in words an operator recognises. */
export interface CredentialSource {
  readonly source: string;
}

/** What credential discovery may read; tests pass their own. */
export interface CredentialEnvironment {
  readonly env: Record<string, string | undefined>;
  readonly home: string;
  /** Returns a file's text, or undefined if it cannot be read. */
  readonly readFile: (path: string) => string | undefined;
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** The real process environment. */
export function processCredentialEnvironment(): CredentialEnvironment {
  return { env: process.env, home: homedir(), readFile: readText };
}

/** INI sections of an AWS shared file: `[default]`, `[profile x]`, `[sso-session y]`. */
export function parseIni(text: string): Map<string, Map<string, string>> {
  const sections = new Map<string, Map<string, string>>();
  let current: Map<string, string> | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/^\s+|\s+$/g, '');
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[([^\]]+)\]$/.exec(line);
    if (header) {
      current = new Map();
      sections.set(header[1]!.trim(), current);
      continue;
    }
    const kv = /^([^=]+?)\s*=\s*(.*)$/.exec(line);
    if (kv && current) current.set(kv[1]!.toLowerCase(), kv[2]!);
  }
  return sections;
}

const USABLE_PROFILE_KEYS = ['aws_access_key_id', 'role_arn', 'sso_session', 'sso_start_url', 'credential_process', 'web_identity_token_file', 'credential_source', 'login_session'];

/** Finds a credential source, or undefined when the SDK's chain would find nothing. */
export function findCredentialSource(ce: CredentialEnvironment = processCredentialEnvironment()): CredentialSource | undefined {
  const env = ce.env;
  if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) return { source: 'environment variables AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY' };
  if (env.AWS_WEB_IDENTITY_TOKEN_FILE && env.AWS_ROLE_ARN) return { source: `web identity token (${env.AWS_ROLE_ARN})` };

  const profile = env.AWS_PROFILE || env.AWS_DEFAULT_PROFILE || 'default';
  const credentialsFile = env.AWS_SHARED_CREDENTIALS_FILE || join(ce.home, '.aws', 'credentials');
  const configFile = env.AWS_CONFIG_FILE || join(ce.home, '.aws', 'config');
  const credentials = parseIni(ce.readFile(credentialsFile) ?? '');
  const config = parseIni(ce.readFile(configFile) ?? '');
  const fromCredentials = credentials.get(profile);
  const fromConfig = config.get(profile === 'default' ? 'default' : `profile ${profile}`) ?? config.get(`profile ${profile}`);
  for (const [file, section] of [[credentialsFile, fromCredentials], [configFile, fromConfig]] as const) {
    if (section && USABLE_PROFILE_KEYS.some((k) => section.has(k))) return { source: `profile "${profile}" in ${file}` };
  }
  if ((env.AWS_PROFILE || env.AWS_DEFAULT_PROFILE) && !fromCredentials && !fromConfig) {
    throw new ConfigError(
      `AWS profile "${profile}" (from AWS_PROFILE) is not in ${credentialsFile} or ${configFile}: fix the name, or run \`aws configure --profile ${profile}\` / \`aws configure sso\``,
      'AWS_PROFILE',
    );
  }

  if (env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI || env.AWS_CONTAINER_CREDENTIALS_FULL_URI) return { source: 'the ECS/EKS container credentials endpoint' };
  if (env.AWS_EC2_METADATA_DISABLED !== 'true') {
    // Instance metadata is only worth trying on EC2; the DMI files say so without a request.
    const vendor = ce.readFile('/sys/devices/virtual/dmi/id/sys_vendor')?.trim();
    const assetTag = ce.readFile('/sys/devices/virtual/dmi/id/board_asset_tag')?.trim();
    const hypervisor = ce.readFile('/sys/hypervisor/uuid')?.trim();
    if (vendor === 'Amazon EC2' || /^i-[0-9a-f]+$/.test(assetTag ?? '') || /^ec2/i.test(hypervisor ?? '')) {
      return { source: 'EC2 instance metadata (instance profile)' };
    }
  }
  return undefined;
}

/** Returns the credential source or throws a ConfigError saying how to provide credentials. */
export function requireCredentials(command: string, ce: CredentialEnvironment = processCredentialEnvironment()): CredentialSource {
  const found = findCredentialSource(ce);
  if (found) return found;
  throw new ConfigError(
    `airlock ${command} needs AWS credentials and found none (no AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, no AWS_PROFILE or [default] profile in ~/.aws, no container or instance credentials). ` +
      'Run `aws configure` or `aws sso login --profile <name>` and set AWS_PROFILE, then try again. ' +
      '`airlock synth` needs no credentials and writes templates you can deploy yourself.',
    'aws credentials',
  );
}
