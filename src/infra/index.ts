/**
 * Airlock's infrastructure as code. Import this module only from the synth, deploy and
 * destroy commands (lazily): it loads aws-cdk-lib, which the rest of Airlock never needs.
 */
export { AirlockNetwork, type AirlockNetworkProps, type ExistingVpcProps } from './network.js';
export { AirlockEndpoints, type AirlockEndpointsProps } from './endpoints.js';
export { AirlockCluster, type AirlockClusterProps, type Ec2CapacityProps } from './cluster.js';
export { AirlockRunner, type AirlockRunnerProps, type EcrImageRef } from './runner.js';
export { AirlockStack, type AirlockStackProps } from './stack.js';
export { buildApp, type BuildAppOptions, type BuiltApp } from './app.js';
export { acceptedFindings, acknowledgeFindings, type AcceptedFinding } from './nag.js';
export { synthesize, toYaml, type SynthesizeOptions, type SynthesizeResult } from './synth.js';
export { summarise, formatSummary, CFN_LIMITS, type TemplateSummary } from './summary.js';
export { PRICES, HOURS_PER_MONTH, networkCost, type NetworkCost } from './pricing.js';
export { OUTPUT_KEYS, RUNNER_TAG_KEY, pickOutputs, type OutputKey, type StackOutputs } from './outputs.js';
