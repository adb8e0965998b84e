/**
 * Deploy and destroy through @aws-cdk/toolkit-lib (the programmatic CDK toolkit), with
 * its progress printed on stderr. Callers check credentials first (credentials.ts).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { NonInteractiveIoHost, StackSelectionStrategy, Toolkit } from '@aws-cdk/toolkit-lib';
import { buildApp, type BuildAppOptions } from './app.js';
import { pickOutputs, type StackOutputs } from './outputs.js';

export interface DeployOptions extends Omit<BuildAppOptions, 'outdir' | 'bootstrapped' | 'context'> {
  /** Directory for outputs.json (and the cloud assembly under it). */
  readonly outDir: string;
  /** Bootstrap the account and Region first (the CDK toolkit stack). @default false */
  readonly bootstrap?: boolean;
}

function toolkit(): Toolkit {
  return new Toolkit({ ioHost: new NonInteractiveIoHost({ logLevel: 'info' }), emojis: false });
}

async function source(tk: Toolkit, opts: DeployOptions) {
  const { outDir, bootstrap, ...appOpts } = opts;
  void bootstrap; // used by deployStack, not part of the app
  return tk.fromAssemblyBuilder(
    async (props) => buildApp({ ...appOpts, outdir: props.outdir, context: props.context, bootstrapped: true }).app.synth(),
    { outdir: join(resolve(outDir), 'assembly') },
  );
}

/** Deploys the stack, writes `<outDir>/outputs.json` and returns the runner's outputs. */
export async function deployStack(opts: DeployOptions): Promise<{ outputs: StackOutputs; file: string }> {
  const tk = toolkit();
  const cx = await source(tk, opts);
  if (opts.bootstrap) {
    const { BootstrapEnvironments } = await import('@aws-cdk/toolkit-lib');
    await tk.bootstrap(BootstrapEnvironments.fromCloudAssemblySource(cx));
  }
  const stackName = opts.stackName ?? 'Airlock';
  const result = await tk.deploy(cx, { stacks: { strategy: StackSelectionStrategy.PATTERN_MUST_MATCH_SINGLE, patterns: [stackName] } });
  const deployed = result.stacks.find((s) => s.stackName === stackName) ?? result.stacks[0];
  if (!deployed) throw new Error(`the toolkit reported no deployed stack named ${stackName}`);
  const outputs = pickOutputs(deployed.outputs);
  const dir = resolve(opts.outDir);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'outputs.json');
  writeFileSync(file, `${JSON.stringify(outputs, null, 2)}\n`);
  return { outputs, file };
}

/** Deletes the stack (retained data resources stay: see docs/deploy.md). */
export async function destroyStack(opts: DeployOptions): Promise<void> {
  const tk = toolkit();
  const cx = await source(tk, opts);
  await tk.destroy(cx, { stacks: { strategy: StackSelectionStrategy.PATTERN_MUST_MATCH_SINGLE, patterns: [opts.stackName ?? 'Airlock'] } });
}
