/**
 * The orchestrator's rights over environment tasks, written as narrowly as the ECS and
 * EFS APIs allow: it runs `airlock-*` task definitions only with its tag in its own
 * cluster, stops only tasks that carry its tag, and passes only this stack's environment roles.
 */
import { Aws } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import type * as efs from 'aws-cdk-lib/aws-efs';
import { RUNNER_TAG_KEY } from './outputs.js';

export interface OrchestratorAccess {
  readonly cluster: ecs.ICluster;
  readonly runnerId: string;
  readonly passRoles: iam.IRole[];
  readonly fileSystem: efs.IFileSystem;
}

/** Adds the ECS, IAM and EFS statements the orchestrator needs to manage environments. */
export function grantEnvironmentControl(role: iam.IRole, a: OrchestratorAccess): void {
  const tagged = { [`aws:RequestTag/${RUNNER_TAG_KEY}`]: a.runnerId };
  const ownTasks = { [`aws:ResourceTag/${RUNNER_TAG_KEY}`]: a.runnerId };
  const inCluster = { 'ecs:cluster': a.cluster.clusterArn };
  const ecsArn = (resource: string) => `arn:${Aws.PARTITION}:ecs:${Aws.REGION}:${Aws.ACCOUNT_ID}:${resource}`;

  const accessPoints = `arn:${Aws.PARTITION}:elasticfilesystem:${Aws.REGION}:${Aws.ACCOUNT_ID}:access-point/*`;

  // Shapes follow docs/ecs.md: families are `airlock-*`, tasks and access points carry the
  // runner tag, task definitions carry spec-hash and environment tags (not the runner tag).
  const statements = [
    new iam.PolicyStatement({
      sid: 'ManageTaskDefinitions',
      actions: ['ecs:RegisterTaskDefinition', 'ecs:DescribeTaskDefinition', 'ecs:ListTaskDefinitions', 'ecs:DeregisterTaskDefinition', 'ecs:DeleteTaskDefinitions'],
      // ECS accepts no narrower resource for these calls.
      resources: ['*'],
    }),
    new iam.PolicyStatement({
      sid: 'RunTaggedTasksInOwnCluster',
      actions: ['ecs:RunTask'],
      resources: [ecsArn('task-definition/airlock-*:*')],
      conditions: { StringEquals: { ...tagged, ...inCluster } },
    }),
    new iam.PolicyStatement({
      sid: 'TagOnCreateOnly',
      actions: ['ecs:TagResource'],
      resources: ['*'],
      conditions: { StringEquals: { 'ecs:CreateAction': ['RunTask', 'RegisterTaskDefinition'] } },
    }),
    new iam.PolicyStatement({
      sid: 'StopOwnTasks',
      actions: ['ecs:StopTask'],
      resources: [ecsArn(`task/${a.cluster.clusterName}/*`)],
      conditions: { StringEquals: { ...ownTasks, ...inCluster } },
    }),
    new iam.PolicyStatement({
      sid: 'DescribeTasksInOwnCluster',
      actions: ['ecs:DescribeTasks'],
      resources: [ecsArn(`task/${a.cluster.clusterName}/*`)],
      conditions: { StringEquals: inCluster },
    }),
    new iam.PolicyStatement({ sid: 'ListTasksInOwnCluster', actions: ['ecs:ListTasks'], resources: ['*'], conditions: { ArnEquals: inCluster } }),
    new iam.PolicyStatement({
      sid: 'PassOnlyEnvironmentRoles',
      actions: ['iam:PassRole'],
      resources: a.passRoles.map((r) => r.roleArn),
      conditions: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
    }),
    new iam.PolicyStatement({
      sid: 'CreateTaggedAccessPoints',
      actions: ['elasticfilesystem:CreateAccessPoint'],
      resources: [a.fileSystem.fileSystemArn],
      conditions: { StringEquals: tagged },
    }),
    new iam.PolicyStatement({
      sid: 'TagAccessPointsOnCreate',
      actions: ['elasticfilesystem:TagResource'],
      resources: [accessPoints],
      conditions: { StringEquals: { 'elasticfilesystem:CreateAction': 'CreateAccessPoint', ...tagged } },
    }),
    new iam.PolicyStatement({
      sid: 'DeleteOwnAccessPoints',
      actions: ['elasticfilesystem:DeleteAccessPoint'],
      resources: [accessPoints],
      conditions: { StringEquals: ownTasks },
    }),
    new iam.PolicyStatement({ sid: 'DescribeAccessPoints', actions: ['elasticfilesystem:DescribeAccessPoints'], resources: [a.fileSystem.fileSystemArn, accessPoints] }),
  ];
  for (const s of statements) role.addToPrincipalPolicy(s);
}
