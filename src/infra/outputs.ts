/**
 * The stack outputs the runner's ECS and DynamoDB configuration reads. `airlock deploy`
 * writes them to `<out>/outputs.json` as a flat object with exactly these keys, and the
 * runner's services receive the same object as `AIRLOCK_STACK_OUTPUTS`.
 */
export { OUTPUT_KEYS, type OutputKey, type StackOutputs } from '../core/stack-outputs.js';
import { OUTPUT_KEYS, type StackOutputs } from '../core/stack-outputs.js';

/** The tag the runner puts on every task it starts; IAM conditions key on it. */
export const RUNNER_TAG_KEY = 'airlock:runner';

/** Keeps only the runner's output keys from a stack's outputs, failing if one is missing. */
export function pickOutputs(all: Record<string, string>): StackOutputs {
  const missing = OUTPUT_KEYS.filter((k) => all[k] === undefined);
  if (missing.length > 0) {
    throw new Error(`stack outputs lack ${missing.join(', ')}; was the stack deployed by this version of airlock?`);
  }
  return Object.fromEntries(OUTPUT_KEYS.map((k) => [k, all[k]!])) as StackOutputs;
}
