import { z } from 'zod';
import { ConfigError } from './errors.js';
import { DEPLOYMENT_MODES, type AirlockConfigInput } from './config.js';

/**
 * The outputs of an Airlock stack that a runner on AWS configures itself from.
 * `airlock deploy` writes them to `<out>/outputs.json`; the runner's ECS services get
 * the same flat object as `AIRLOCK_STACK_OUTPUTS`.
 */
export const OUTPUT_KEYS = [
  'ClusterName',
  /** Comma-joined subnet ids environments run in. */
  'SubnetIds',
  'TaskSecurityGroupId',
  'ExecutionRoleArn',
  'TaskRoleArn',
  'LogGroupName',
  'FileSystemId',
  'TableName',
  'Region',
  'Mode',
] as const;
export type OutputKey = (typeof OUTPUT_KEYS)[number];

const outputsSchema = z.object({
  ClusterName: z.string().min(1),
  SubnetIds: z.string().min(1),
  TaskSecurityGroupId: z.string().min(1),
  ExecutionRoleArn: z.string().min(1),
  TaskRoleArn: z.string().min(1),
  LogGroupName: z.string().min(1),
  FileSystemId: z.string(),
  TableName: z.string().min(3),
  Region: z.string().min(1),
  Mode: z.enum(DEPLOYMENT_MODES),
});

export type StackOutputs = z.infer<typeof outputsSchema>;

/** Parses stack outputs (JSON text), naming what is missing. */
export function parseStackOutputs(text: string, source: string): StackOutputs {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new ConfigError(`${source} is not JSON: expected the flat object \`airlock deploy\` writes to outputs.json`);
  }
  const r = outputsSchema.safeParse(raw);
  if (!r.success) {
    const fields = r.error.issues.map((i) => String(i.path[0] ?? '(root)'));
    throw new ConfigError(`${source} lacks or has invalid ${[...new Set(fields)].join(', ')}; was the stack deployed by this version of Airlock?`, fields[0]);
  }
  return r.data;
}

/** The store, compute and netcheck sections for a runner in the deployed stack. */
export function configFromStackOutputs(o: StackOutputs): AirlockConfigInput {
  return {
    store: { type: 'dynamodb', table: o.TableName, region: o.Region },
    compute: {
      type: 'ecs',
      cluster: o.ClusterName,
      subnets: o.SubnetIds.split(',').map((s) => s.trim()).filter(Boolean),
      securityGroups: [o.TaskSecurityGroupId],
      executionRoleArn: o.ExecutionRoleArn,
      taskRoleArn: o.TaskRoleArn,
      logGroup: o.LogGroupName,
      ...(o.FileSystemId ? { fileSystemId: o.FileSystemId } : {}),
      region: o.Region,
      mode: o.Mode,
    },
    netcheck: { enabled: true, region: o.Region, mode: o.Mode },
  };
}
