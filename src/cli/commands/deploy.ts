/**
 * `airlock deploy`: deploys the stack through the CDK toolkit and writes the runner's
 * configuration values to `<out>/outputs.json`. Fails at once without AWS credentials.
 */
import { ValidationError } from '../../core/errors.js';
import { printJson } from '../output.js';

/** Runs `airlock deploy`; returns the exit code. */
export async function run(args: string[]): Promise<number> {
  const { parseInfraArgs, appOptionsFrom, infraUsage } = await import('../../infra/cli-options.js');
  const a = parseInfraArgs('deploy', args);
  if (a.help) {
    process.stdout.write(infraUsage('deploy'));
    return 0;
  }
  if (!a.domain) throw new ValidationError('airlock deploy needs --domain: the domain environments are served under (e.g. dev.example.com); its certificate is created for it and *.<domain>', '--domain');
  if (a.yes) throw new ValidationError('--yes only applies to airlock destroy', '--yes');
  const { requireCredentials } = await import('../../infra/credentials.js');
  const creds = requireCredentials('deploy');
  const opts = appOptionsFrom(a);
  // The template is environment-agnostic; the toolkit deploys into the SDK's Region.
  process.env.AWS_REGION = opts.region;
  process.stderr.write(`airlock deploy: ${opts.stackName} (${opts.mode} mode) to ${opts.region}, credentials from ${creds.source}\n`);
  const { deployStack } = await import('../../infra/toolkit.js');
  const { outputs, file } = await deployStack({ ...opts, outDir: a.out, bootstrap: a.bootstrap });
  if (a.json) printJson(outputs);
  else process.stdout.write(`Deployed. Runner configuration written to ${file}:\n${Object.entries(outputs).map(([k, v]) => `  ${k.padEnd(20)} ${v}`).join('\n')}\n`);
  return 0;
}
