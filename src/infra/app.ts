/** The CDK app: one AirlockStack, cdk-nag's AWS Solutions checks, and acknowledged findings. */
import { App, DefaultStackSynthesizer, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { acknowledgeFindings } from './nag.js';
import { AirlockStack, type AirlockStackProps } from './stack.js';

export interface BuildAppOptions extends Omit<AirlockStackProps, 'targetRegion' | 'env' | 'synthesizer'> {
  /** Region the deployment is for. @default 'us-east-1' */
  readonly region?: string;
  /** Account to deploy to; leave out for an environment-agnostic template. @default none */
  readonly account?: string;
  /** Domain environments are served under. */
  readonly domain: string;
  /** Stack name. @default 'Airlock' */
  readonly stackName?: string;
  /** Where the cloud assembly goes. @default a temporary directory chosen by CDK */
  readonly outdir?: string;
  /** Run cdk-nag's AwsSolutionsChecks during synthesis (unacknowledged errors fail it). @default true */
  readonly nag?: boolean;
  /** Use the bootstrapped synthesizer (needed by `airlock deploy`); otherwise plain templates. @default false */
  readonly bootstrapped?: boolean;
  /** Context for the app (the toolkit passes its own). @default {} */
  readonly context?: Record<string, unknown>;
}

/** The app with its stack; call `app.synth()` to write the cloud assembly. */
export interface BuiltApp {
  readonly app: App;
  readonly stack: AirlockStack;
}

/** Builds the Airlock CDK app for a mode and Region, offline and without lookups. */
export function buildApp(opts: BuildAppOptions): BuiltApp {
  const { region = 'us-east-1', account, stackName = 'Airlock', outdir, nag = true, bootstrapped = false, context, ...stackProps } = opts;
  const app = new App({
    outdir,
    // Findings of CDK's built-in CloudFormation validation (schema, lint) fail synthesis.
    context: { '@aws-cdk/core:validateAgainstDefaultRules': true, ...context },
    // Stack traces on every construct make the assembly large and slow to write.
    stackTraces: false,
    analyticsReporting: false,
  });
  const stack = new AirlockStack(app, stackName, {
    ...stackProps,
    targetRegion: region,
    // Environment-agnostic unless an account is given: no lookups, AZs resolve at deploy time.
    env: account ? { account, region } : undefined,
    // Plain templates carry no bootstrap-version rule, so the AWS CLI or console can deploy them.
    synthesizer: bootstrapped ? new DefaultStackSynthesizer() : new DefaultStackSynthesizer({ generateBootstrapVersionRule: false }),
  });
  acknowledgeFindings(stack);
  if (nag) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
}
