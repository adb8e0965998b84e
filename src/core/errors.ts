/**
 * Errors a user can act on. Each has a stable `code`, an HTTP status for the API
 * and a message that says what was wrong and what to do. Anything that is not an
 * AirlockError is a bug and is reported as `internal`.
 */
export class AirlockError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    /** The input field at fault, when there is one (e.g. `name`, `templates[0].ports`). */
    readonly field?: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Input that can never be accepted as sent (bad name, unknown field, bad value). */
export class ValidationError extends AirlockError {
  constructor(message: string, field?: string) {
    super('invalid_input', 400, message, field);
  }
}

/** A thing that does not exist (environment, template, user, token). */
export class NotFoundError extends AirlockError {
  constructor(kind: string, name: string, hint?: string) {
    super('not_found', 404, `${kind} "${name}" does not exist${hint ? `. ${hint}` : ''}`);
  }
}

/** A name that is already taken. */
export class AlreadyExistsError extends AirlockError {
  constructor(kind: string, name: string) {
    super('already_exists', 409, `${kind} "${name}" already exists; choose another name or delete the existing one first`);
  }
}

/** Someone else changed the record first (compare-and-set lost). Retry with fresh data. */
export class ConflictError extends AirlockError {
  constructor(message: string) {
    super('conflict', 409, message);
  }
}

/** A lifecycle transition that the state machine does not allow. */
export class InvalidTransitionError extends AirlockError {
  constructor(
    readonly from: string,
    readonly to: string,
    name?: string,
  ) {
    super(
      'invalid_transition',
      409,
      `environment${name ? ` "${name}"` : ''} cannot go from ${from} to ${to}`,
    );
  }
}

/** No credentials, or credentials that are not valid. */
export class UnauthorizedError extends AirlockError {
  constructor(message = 'missing or invalid token: send "Authorization: Bearer <token>" (see `airlock login`)') {
    super('unauthorized', 401, message);
  }
}

/** Valid credentials that do not allow this action. */
export class ForbiddenError extends AirlockError {
  constructor(message: string) {
    super('forbidden', 403, message);
  }
}

/** A configuration file or setting that cannot be used. */
export class ConfigError extends AirlockError {
  constructor(message: string, field?: string) {
    super('invalid_config', 400, message, field);
  }
}

/** The compute provider could not do what was asked (port in use, process exited, ECS refused). */
export class ProviderError extends AirlockError {
  constructor(message: string, readonly hint?: string) {
    super('provider_error', 502, hint ? `${message}. ${hint}` : message);
  }
}

/** True for errors whose message is meant for a user (no stack trace needed). */
export function isUserError(err: unknown): err is AirlockError {
  return err instanceof AirlockError;
}
