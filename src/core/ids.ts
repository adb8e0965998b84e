import { randomBytes } from 'node:crypto';
import { ValidationError } from './errors.js';

/** Longest environment name: it becomes a DNS label next to `<port>--`. */
export const MAX_ENV_NAME = 40;
const NAME_RE = /^[a-z](?:[a-z0-9-]*[a-z0-9])?$/;
/** Names that are API paths of their own (`/environments/watch`). */
const RESERVED = new Set(['watch']);

/**
 * Checks an environment (or template, or user) name. Names become host-name labels
 * (`<port>--<name>.<domain>`), so: lowercase letters, digits and single hyphens,
 * starting with a letter, at most 40 characters, and never `--` (the port separator).
 */
export function validateName(name: unknown, field = 'name', max = MAX_ENV_NAME): string {
  if (typeof name !== 'string' || name.length === 0) {
    throw new ValidationError(`${field} is required`, field);
  }
  if (name.length > max) {
    throw new ValidationError(`${field} "${printable(name)}" is ${name.length} characters; the limit is ${max}`, field);
  }
  if (!NAME_RE.test(name) || name.includes('--')) {
    throw new ValidationError(
      `${field} "${printable(name)}" is not valid: use lowercase letters, digits and single hyphens, starting with a letter and not ending with a hyphen (it becomes a host name)`,
      field,
    );
  }
  if (RESERVED.has(name)) throw new ValidationError(`${field} "${name}" is reserved; choose another`, field);
  return name;
}

/** Whether `name` is a valid environment name (no throw). */
export function isValidName(name: string): boolean {
  return name.length > 0 && name.length <= MAX_ENV_NAME && NAME_RE.test(name) && !name.includes('--') && !RESERVED.has(name);
}

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

/** A random id with a prefix, e.g. `env_k3j2…` (base32, 80 bits). */
export function newId(prefix: string, bytes = 10): string {
  const buf = randomBytes(bytes);
  let out = '';
  let bits = 0;
  let value = 0;
  for (const b of buf) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return `${prefix}_${out}`;
}

function printable(s: string): string {
  // Never echo control characters (header or log injection) back to a user.
  const clean = s.replace(/[^\x20-\x7e]/g, '?');
  return clean.length > 60 ? `${clean.slice(0, 60)}…` : clean;
}
