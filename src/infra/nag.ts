/**
 * cdk-nag findings Airlock accepts. Each is a deliberate choice, acknowledged on the
 * narrowest construct it concerns, with the reason a reviewer would ask for.
 * Anything not listed here fails synthesis.
 */
import { Validations, type Acknowledgment, type CfnElement } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import type { AirlockStack } from './stack.js';

/** One acknowledged finding: the rule (or rule[finding]) and why it is acceptable. */
export interface AcceptedFinding extends Acknowledgment {
  /** Which construct(s) it applies to, for the docs. */
  readonly where: string;
}

const GET_AUTH_TOKEN = 'ecr:GetAuthorizationToken only accepts Resource "*" (it returns a registry login, not access to a repository); pulls are limited to named repositories by the other statements';

/** The findings acknowledged on a stack, in the order they are applied (also printed in docs). */
export function acceptedFindings(stack: AirlockStack): Array<{ scope: IConstruct; finding: AcceptedFinding }> {
  const { runner, cluster } = stack;
  const out: Array<{ scope: IConstruct; finding: AcceptedFinding }> = [];
  const add = (scope: IConstruct | undefined, where: string, id: string, reason: string) => {
    if (scope) out.push({ scope, finding: { id, reason, where } });
  };

  add(runner.data.adminToken, 'admin token secret', 'AwsSolutions-SMG4',
    'The admin token is an API bearer token for the runner, not a database credential: there is no rotation Lambda that could update both sides. Operators rotate it with `airlock token` and by writing a new secret value; the old one is revoked in the store.');

  for (const [name, svc] of [['orchestrator', runner.orchestrator], ['proxy', runner.proxy], ['collector', runner.collector]] as const) {
    add(svc.taskDefinition, `${name} task definition`, 'AwsSolutions-ECS2',
      'Environment variables hold only non-secret configuration (domain, runner id, port, resource names from this stack, collector config); the one secret, the admin token, is injected from Secrets Manager.');
    add(svc.taskDefinition.executionRole, `${name} execution role`, 'AwsSolutions-IAM5[Resource::*]', GET_AUTH_TOKEN);
  }
  add(runner.data.environmentExecutionRole, 'environment execution role', 'AwsSolutions-IAM5[Resource::*]', GET_AUTH_TOKEN);

  const tableIndexes = `AwsSolutions-IAM5[Resource::<${stack.getLogicalId(runner.data.table.node.defaultChild as CfnElement)}.Arn>/index/*]`;
  for (const [name, svc] of [['orchestrator', runner.orchestrator], ['proxy', runner.proxy]] as const) {
    add(svc.taskDefinition.taskRole, `${name} task role`, tableIndexes,
      'Written by the table\'s grantReadWriteData: the wildcard covers the indexes of the one state table (gsi1, gsi2), which the store queries to list environments and tokens; no other table is reachable.');
  }

  const execLogs = cluster.execLogGroup;
  const EXEC = 'ECS Exec (the `exec` feature): the SSM agent\'s ssmmessages channel calls and logs:DescribeLogGroups have no resource-level permissions; session logs go only to this cluster\'s exec log group.';
  const orchestratorRole = runner.orchestrator.taskDefinition.taskRole;
  add(orchestratorRole, 'orchestrator task role', 'AwsSolutions-IAM5[Resource::*]',
    'The task definition calls (Register, Describe, List, Deregister, Delete) accept no narrower resource in ECS; environment task definitions are created at run time. ecs:TagResource is allowed only while creating a task or task definition (ecs:CreateAction), and ecs:ListTasks only in this cluster (ecs:cluster).' +
    (execLogs ? ` ${EXEC}` : ''));
  if (execLogs) {
    const execLogFinding = `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:<${stack.getLogicalId(execLogs.node.defaultChild as CfnElement)}>:*]`;
    const streams = 'ECS Exec writes one log stream per session into this cluster\'s exec log group; the wildcard covers the streams of that one group only.';
    for (const [name, role] of [['orchestrator', orchestratorRole], ['proxy', runner.proxy.taskDefinition.taskRole], ['collector', runner.collector.taskDefinition.taskRole], ['environment', runner.data.environmentTaskRole]] as const) {
      if (name !== 'orchestrator') add(role, `${name} task role`, 'AwsSolutions-IAM5[Resource::*]', EXEC);
      add(role, `${name} task role`, execLogFinding, streams);
    }
  }
  add(orchestratorRole, 'orchestrator task role', 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ecs:<AWS::Region>:<AWS::AccountId>:task-definition/airlock-*:*]',
    'Environment task definitions (families airlock-*) are registered at run time, so their ARNs are not known when the stack is deployed. RunTask also requires the runner tag on the new task (aws:RequestTag) and this cluster (ecs:cluster).');
  add(orchestratorRole, 'orchestrator task role', `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ecs:<AWS::Region>:<AWS::AccountId>:task/<${stack.getLogicalId(cluster.cluster.node.defaultChild as CfnElement)}>/*]`,
    'Environment tasks are created at run time; the ARN is limited to this cluster, and StopTask further requires the runner tag on the task (aws:ResourceTag).');
  add(orchestratorRole, 'orchestrator task role', 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:elasticfilesystem:<AWS::Region>:<AWS::AccountId>:access-point/*]',
    'One EFS access point per environment is created at run time. Tagging is allowed only while creating one (elasticfilesystem:CreateAction) with the runner tag, and deletion only of access points that carry the runner tag (aws:ResourceTag).');

  add(runner.loadBalancer, 'load balancer', 'AwsSolutions-ELB2',
    'The load balancer is internal and every request is authenticated and logged by the proxy (JSON logs in CloudWatch); access logs need an S3 bucket with the Region\'s ELB log-delivery principal, which platform teams usually provide centrally. Enable them on the load balancer if your policy requires it.');

  if (cluster.instanceSecurityGroup) {
    const asg = cluster.node.tryFindChild('Instances');
    add(asg, 'EC2 capacity auto-scaling group', 'AwsSolutions-AS3',
      'Scaling is managed by the ECS capacity provider (managed scaling and termination protection); ECS service events and Container Insights report capacity changes, so separate ASG notifications would duplicate them.');
    const instanceRole = cluster.node.tryFindChild('InstanceRole');
    add(instanceRole, 'EC2 capacity instance role', 'AwsSolutions-IAM5[Action::ecs:Submit*]',
      'The ECS container agent reports task, container and attachment state through the ecs:Submit* family; the statement is limited to this cluster\'s ARN. This is the statement CDK writes for every ECS capacity provider.');
    add(instanceRole, 'EC2 capacity instance role', 'AwsSolutions-IAM5[Resource::*]',
      'ecs:DiscoverPollEndpoint and ecr:GetAuthorizationToken have no resource-level permissions; ecs:Poll and ecs:StartTelemetrySession are limited to this cluster by the ecs:cluster condition; the agent writes its own logs. Equivalent to the AWS managed ECS instance policy, but scoped to one cluster.');
  }
  return out;
}

/** Applies acceptedFindings to the stack's constructs. */
export function acknowledgeFindings(stack: AirlockStack): void {
  for (const { scope, finding } of acceptedFindings(stack)) {
    Validations.of(scope).acknowledge({ id: finding.id, reason: finding.reason });
  }
}
