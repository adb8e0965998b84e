import { ProviderError } from '../../core/errors.js';

/**
 * AWS throttled us even after the SDK's adaptive retries. `retryable` and
 * `retryAfterMs` let the reconciler back off instead of hot-looping, without
 * importing this module (it loads the AWS SDK).
 */
export class ProviderThrottledError extends ProviderError {
  readonly retryable = true;
  readonly throttled = true;
  constructor(
    action: string,
    readonly retryAfterMs = 5000,
  ) {
    super(`AWS throttled ${action} after several retries`, 'the runner will back off and retry; if this persists, lower the number of runner replicas or raise the ECS API rate quota');
  }
}

const THROTTLE_NAMES = new Set(['ThrottlingException', 'Throttling', 'TooManyRequestsException', 'RequestLimitExceeded', 'ThrottledException']);
const TRANSIENT_NAMES = new Set(['ServerException', 'ServiceUnavailableException', 'InternalServerError', 'TimeoutError', 'RequestTimeout']);

/** The name of an AWS SDK error (its exception type), or undefined. */
export function awsErrorName(err: unknown): string | undefined {
  if (err && typeof err === 'object' && 'name' in err && typeof (err as { name: unknown }).name === 'string') return (err as { name: string }).name;
  return undefined;
}

function awsMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

/** Whether the error says the thing addressed does not exist (idempotent deletes treat it as done). */
export function isNotFound(err: unknown): boolean {
  const name = awsErrorName(err) ?? '';
  if (/NotFound/i.test(name)) return true;
  // ECS reports a missing task or definition as ClientException/InvalidParameterException with a message.
  return (name === 'ClientException' || name === 'InvalidParameterException') &&
    /not found|unable to describe task definition|does not exist|cannot be found/i.test(awsMessage(err));
}

/** Wraps an SDK failure as a ProviderError that says what we were doing and what to check. */
export function providerErrorFrom(err: unknown, action: string): ProviderError {
  if (err instanceof ProviderError) return err;
  const name = awsErrorName(err) ?? 'Error';
  if (THROTTLE_NAMES.has(name)) return new ProviderThrottledError(action);
  const msg = awsMessage(err);
  if (name === 'AccessDeniedException' || /not authorized to perform/i.test(msg)) {
    return new ProviderError(`AWS refused ${action}: ${msg}`, 'the runner\'s task role is missing a permission; docs/ecs.md lists the IAM actions it needs');
  }
  if (name === 'ClusterNotFoundException') {
    return new ProviderError(`AWS refused ${action}: the ECS cluster does not exist`, 'check compute.cluster in the config (name or ARN) and the Region');
  }
  if (TRANSIENT_NAMES.has(name)) {
    const e = new ProviderError(`AWS failed ${action} (${name}: ${msg})`, 'this is usually transient; the runner retries');
    return Object.assign(e, { retryable: true });
  }
  return new ProviderError(`AWS refused ${action} (${name}: ${msg})`);
}
