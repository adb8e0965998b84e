/**
 * `airlock synth`: plain CloudFormation YAML for an AWS deployment, written offline, and a
 * short summary (resources, endpoints, monthly network cost, template size).
 * aws-cdk-lib loads only here, inside run().
 */
import { printJson } from '../output.js';

/** Runs `airlock synth`; returns the exit code. */
export async function run(args: string[]): Promise<number> {
  const { parseInfraArgs, appOptionsFrom, infraUsage, PLACEHOLDER_DOMAIN } = await import('../../infra/cli-options.js');
  const a = parseInfraArgs('synth', args);
  if (a.help) {
    process.stdout.write(infraUsage('synth'));
    return 0;
  }
  const progress = (line: string) => process.stderr.write(`airlock synth: ${line}\n`);
  progress('loading aws-cdk-lib');
  const started = performance.now();
  const { synthesize, formatSummary } = await import('../../infra/index.js');
  const opts = appOptionsFrom(a);
  if (opts.domain === PLACEHOLDER_DOMAIN) progress(`no --domain given: using the placeholder ${PLACEHOLDER_DOMAIN}`);
  const result = synthesize({ ...opts, outDir: a.out, onProgress: progress });
  progress(`done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  if (a.json) {
    printJson({ files: result.files, ...result.summary });
  } else {
    process.stdout.write(`${formatSummary(result.summary)}\n\nWrote:\n${result.files.map((f) => `  ${f}`).join('\n')}\n`);
  }
  return 0;
}
