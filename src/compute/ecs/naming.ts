/**
 * Names, tags and tokens the ECS provider puts on AWS resources. Deterministic,
 * so a runner that restarts (or a second replica) computes the same values.
 */
import { createHash } from 'node:crypto';

export const TAG = {
  env: 'airlock:env',
  envName: 'airlock:env-name',
  runner: 'airlock:runner',
  generation: 'airlock:generation',
  template: 'airlock:template',
  specHash: 'airlock:spec-hash',
} as const;

/** The one container of every environment task. */
export const CONTAINER_NAME = 'workload';

/** Name of the task definition volume holding the home folder. */
export const HOME_VOLUME = 'home';

function sha256(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

/** Task definition family shared by every environment of a template (no EFS home). */
export function templateFamily(template: string): string {
  return `airlock-${template}`;
}

/**
 * Task definition family of one environment (EFS home on). RunTask cannot override
 * volumes, so the access point id must be in the definition itself; see docs/ecs.md.
 * Derived from the env id alone so `destroy` (which knows only id and name) finds it.
 */
export function envFamily(envId: string): string {
  return `airlock-env-${envId.replace(/[^A-Za-z0-9_-]/g, '-')}`.slice(0, 255);
}

const STARTED_BY_MAX = 36;
const STARTED_BY_RE = /^[A-Za-z0-9_-]+$/;

/**
 * `startedBy` for this runner's tasks: `airlock-<runnerId>`, at most 36 characters of
 * the set ECS allows. A runner id that does not fit (too long, or has dots) keeps a
 * readable prefix and gets a hash suffix, so two runner ids never share a value.
 */
export function startedByFor(runnerId: string): string {
  const plain = `airlock-${runnerId}`;
  if (plain.length <= STARTED_BY_MAX && STARTED_BY_RE.test(runnerId)) return plain;
  const suffix = sha256(runnerId).slice(0, 8);
  const readable = runnerId.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, STARTED_BY_MAX - 'airlock-'.length - 9);
  return `airlock-${readable}-${suffix}`;
}

/**
 * RunTask `clientToken` for one start: the same (envId, generation) always gives the
 * same token, so a retried start returns the task already launched (ECS keeps tokens
 * for 24 hours, per cluster). 64 characters of [0-9a-f], within ECS's 64-character limit.
 */
export function runTaskClientToken(envId: string, generation: number): string {
  return sha256(`airlock-run\n${envId}\n${generation}`);
}

/** EFS CreateAccessPoint `ClientToken` for an environment's home (≤ 64 characters). */
export function accessPointClientToken(envId: string): string {
  return `airlock-home-${sha256(envId).slice(0, 40)}`;
}

/** Folder of an environment's home on the file system. */
export function homeDirectory(envId: string): string {
  return `/airlock/homes/${envId.replace(/[^A-Za-z0-9_.-]/g, '-')}`;
}

/** Content hash of a value, independent of key order. */
export function contentHash(value: unknown): string {
  return sha256(stableJson(value)).slice(0, 32);
}

function stableJson(v: unknown): string {
  if (v === undefined) return 'null';
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  const entries = Object.entries(v as Record<string, unknown>)
    .filter(([, x]) => x !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${stableJson(x)}`).join(',')}}`;
}

/** `{ key, value }` tags as a plain record. */
export function tagRecord(tags: readonly { key?: string; value?: string }[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of tags ?? []) if (t.key !== undefined) out[t.key] = t.value ?? '';
  return out;
}

/** The Region in an ARN (`arn:aws:ecs:<region>:…`), if any. */
export function regionOfArn(arn: string): string | undefined {
  return arn.split(':')[3] || undefined;
}
