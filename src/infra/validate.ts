/** Prop checks shared by the constructs: each failure names the construct, the prop and the fix. */
import { Token } from 'aws-cdk-lib';
import { ValidationError } from '../core/errors.js';

/** Throws a ValidationError naming `construct.prop`, what was wrong and what to do. */
export function propError(construct: string, prop: string, problem: string, fix: string): never {
  throw new ValidationError(`${construct}: props.${prop} ${problem}; ${fix}`, prop);
}

const DOMAIN_RE = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

/** Whether a value is a DNS name with at least two labels (tokens pass: checked at deploy). */
export function isDomain(value: string): boolean {
  return Token.isUnresolved(value) || DOMAIN_RE.test(value);
}

const CIDR_RE = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/** Whether a value is an IPv4 CIDR block such as 10.0.0.0/16. */
export function isCidr(value: string): boolean {
  const m = CIDR_RE.exec(value);
  if (!m) return false;
  const octets = m.slice(1, 5).map(Number);
  return octets.every((o) => o <= 255) && Number(m[5]) <= 32;
}
