/**
 * Offline synthesis to plain CloudFormation YAML: builds the app, synthesises it (with
 * CDK's CloudFormation validation and cdk-nag), writes one `<stack>.template.yaml` per
 * stack and returns the summary. No AWS account, no network, no context lookups.
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { ValidationError } from '../core/errors.js';
import { DEFAULT_FEATURES } from '../netcheck/catalog.js';
import { buildApp, type BuildAppOptions, type BuiltApp } from './app.js';
import { summarise, type TemplateSummary } from './summary.js';

export interface SynthesizeOptions extends BuildAppOptions {
  /** Directory the YAML templates and summary.json are written to. */
  readonly outDir: string;
  /** Called with a short line as each step starts. @default no progress reports */
  readonly onProgress?: (step: string) => void;
}

export interface SynthesizeResult {
  /** The app and stack, for callers that inspect the construct tree (tests, cdk-nag). */
  readonly built: BuiltApp;
  /** The synthesised template (JSON form). */
  readonly template: Record<string, unknown>;
  /** Paths written: templates and summary.json. */
  readonly files: string[];
  readonly summary: TemplateSummary;
  /** Milliseconds spent building the construct tree and synthesising it. */
  readonly timings: { build: number; synth: number; write: number };
}

/** CloudFormation YAML of a template, long-form intrinsics, no anchors, no folded lines. */
export function toYaml(template: unknown): string {
  return stringify(template, { aliasDuplicateObjects: false, lineWidth: 0, minContentWidth: 0 });
}

/** Synthesises the Airlock app and writes plain CloudFormation YAML to `outDir`. */
export function synthesize(opts: SynthesizeOptions): SynthesizeResult {
  const { outDir, onProgress = () => {}, ...appOpts } = opts;
  const assemblyDir = mkdtempSync(join(tmpdir(), 'airlock-cdk-'));
  try {
    const t0 = performance.now();
    onProgress(`building constructs (${appOpts.mode ?? 'isolated'} mode, ${appOpts.region ?? 'us-east-1'})`);
    const built = buildApp({ ...appOpts, outdir: assemblyDir });
    const t1 = performance.now();
    onProgress('synthesising: CloudFormation validation and cdk-nag AwsSolutions checks');
    let assembly;
    try {
      assembly = built.app.synth();
    } catch (err) {
      // CDK has printed each finding above; say what to do rather than show a stack trace.
      if (err instanceof Error && /validation failed/i.test(err.message)) {
        throw new ValidationError(`synthesis stopped on the validation findings printed above (CloudFormation validation or cdk-nag). Fix them, or acknowledge a deliberate one with its reason in src/infra/nag.ts`);
      }
      throw err;
    }
    const t2 = performance.now();
    const dir = resolve(outDir);
    mkdirSync(dir, { recursive: true });
    const files: string[] = [];
    let yaml = '';
    let template: Record<string, unknown> = {};
    for (const artifact of assembly.stacks) {
      const body = toYaml(artifact.template);
      const file = join(dir, `${artifact.stackName}.template.yaml`);
      onProgress(`writing ${file}`);
      writeFileSync(file, body);
      files.push(file);
      if (artifact.stackName === built.stack.stackName) {
        yaml = body;
        template = artifact.template as Record<string, unknown>;
      }
    }
    const { stack } = built;
    const summary = summarise({
      stackName: stack.stackName,
      mode: stack.mode,
      region: appOpts.region ?? 'us-east-1',
      azs: stack.network.availabilityZones,
      natGateways: stack.network.natGateways,
      features: appOpts.features ?? DEFAULT_FEATURES,
      ec2Capacity: Boolean(appOpts.ec2Capacity),
      interfaceEndpoints: stack.endpoints.created.filter((e) => e.kind === 'interface').map((e) => e.id),
      gatewayEndpoints: stack.endpoints.created.filter((e) => e.kind === 'gateway').map((e) => e.id),
      template,
      yaml,
    });
    const summaryFile = join(dir, 'summary.json');
    writeFileSync(summaryFile, `${JSON.stringify(summary, null, 2)}\n`);
    files.push(summaryFile);
    const t3 = performance.now();
    return { built, template, files, summary, timings: { build: t1 - t0, synth: t2 - t1, write: t3 - t2 } };
  } finally {
    rmSync(assemblyDir, { recursive: true, force: true });
  }
}
