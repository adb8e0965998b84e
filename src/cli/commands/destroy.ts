/**
 * `airlock destroy`: deletes the stack through the CDK toolkit. The state table, the home
 * folders and the image repository are retained by design (see docs/deploy.md).
 */
import { ValidationError } from '../../core/errors.js';

/** Runs `airlock destroy`; returns the exit code. */
export async function run(args: string[]): Promise<number> {
  const { parseInfraArgs, appOptionsFrom, infraUsage } = await import('../../infra/cli-options.js');
  const a = parseInfraArgs('destroy', args);
  if (a.help) {
    process.stdout.write(infraUsage('destroy'));
    return 0;
  }
  if (a.bootstrap) throw new ValidationError('--bootstrap only applies to airlock deploy', '--bootstrap');
  if (!a.yes) throw new ValidationError(`airlock destroy deletes the stack ${a['stack-name']} and its services: pass --yes to confirm`, '--yes');
  const { requireCredentials } = await import('../../infra/credentials.js');
  const creds = requireCredentials('destroy');
  const opts = appOptionsFrom(a);
  process.env.AWS_REGION = opts.region;
  process.stderr.write(`airlock destroy: ${opts.stackName} in ${opts.region}, credentials from ${creds.source}\n`);
  const { destroyStack } = await import('../../infra/toolkit.js');
  await destroyStack({ ...opts, outDir: a.out });
  process.stdout.write(`Destroyed ${opts.stackName}. Retained: the state table, the EFS file system and the environment image repository (delete them in the console when no longer needed).\n`);
  return 0;
}
