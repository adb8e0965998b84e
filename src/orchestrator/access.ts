import type { Environment, User } from '../core/environment.js';
import { ForbiddenError, NotFoundError } from '../core/errors.js';

/** Whether `user` may see and manage `env`: its owner, or any admin. */
export function canManage(user: User, env: Pick<Environment, 'owner'>): boolean {
  return user.role === 'admin' || env.owner === user.name;
}

/** Throws NotFoundError when `user` may not see `env` (a member never learns others' names exist). */
export function assertCanManage(user: User, env: Environment | undefined, name: string): Environment {
  if (!env || !canManage(user, env)) throw new NotFoundError('environment', name, 'See `airlock env list` for yours.');
  return env;
}

/** Throws ForbiddenError unless `user` is an admin. */
export function assertAdmin(user: User, what: string): void {
  if (user.role !== 'admin') throw new ForbiddenError(`only admins may ${what}`);
}
