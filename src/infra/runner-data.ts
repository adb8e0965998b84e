/**
 * What the runner keeps and what its environments are made of: the state table, the
 * admin token secret, the environment image repository, home folders on EFS, and the
 * roles, log group and security group every environment task gets.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as efs from 'aws-cdk-lib/aws-efs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { AirlockNetwork } from './network.js';

export interface RunnerDataProps {
  readonly network: AirlockNetwork;
  /** Keep the table, file system and repository when the stack is deleted. */
  readonly retainData: boolean;
  readonly logRetention: logs.RetentionDays;
  /** Environments may be entered with ECS Exec (the `exec` feature). */
  readonly exec: boolean;
  /** Where ECS Exec sessions are logged. */
  readonly execLogGroup?: logs.ILogGroup;
}

/** Stateful resources and the environment task identity; the runner's services use them. */
export class RunnerData extends Construct {
  readonly table: dynamodb.Table;
  readonly adminToken: secretsmanager.Secret;
  readonly environmentRepository: ecr.Repository;
  readonly fileSystem: efs.FileSystem;
  /** Security group of every environment task (TaskSecurityGroupId). */
  readonly environmentSecurityGroup: ec2.SecurityGroup;
  /** Log group of environment tasks (LogGroupName). */
  readonly environmentLogGroup: logs.LogGroup;
  /** Pulls environment images and writes their logs (ExecutionRoleArn). */
  readonly environmentExecutionRole: iam.Role;
  /** What code inside an environment may do: mount its home folder, nothing else (TaskRoleArn). */
  readonly environmentTaskRole: iam.Role;

  constructor(scope: Construct, id: string, props: RunnerDataProps) {
    super(scope, id);
    const removalPolicy = props.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    const vpc = props.network.vpc;

    this.table = new dynamodb.Table(this, 'StateTable', {
      // Single-table design: every item is keyed by pk/sk (see docs/dynamodb.md).
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      // The store writes `ttl` on sessions, auth codes and leases; expiry is also checked in code.
      timeToLiveAttribute: 'ttl',
      deletionProtection: props.retainData,
      removalPolicy,
    });
    // Sparse listing indexes; both project only the entity map `d`.
    for (const index of ['gsi1', 'gsi2']) {
      this.table.addGlobalSecondaryIndex({
        indexName: index,
        partitionKey: { name: `${index}pk`, type: dynamodb.AttributeType.STRING },
        sortKey: { name: `${index}sk`, type: dynamodb.AttributeType.STRING },
        projectionType: dynamodb.ProjectionType.INCLUDE,
        nonKeyAttributes: ['d'],
      });
    }

    this.adminToken = new secretsmanager.Secret(this, 'AdminToken', {
      description: 'Airlock runner admin token (AIRLOCK_ADMIN_TOKEN); rotate with `airlock token`',
      generateSecretString: { passwordLength: 48, excludePunctuation: true, includeSpace: false },
      removalPolicy: RemovalPolicy.DESTROY,
    });

    this.environmentRepository = new ecr.Repository(this, 'EnvironmentImages', {
      imageScanOnPush: true,
      imageTagMutability: ecr.TagMutability.IMMUTABLE,
      encryption: ecr.RepositoryEncryption.AES_256,
      removalPolicy,
      emptyOnDelete: false,
    });

    this.environmentSecurityGroup = new ec2.SecurityGroup(this, 'EnvironmentSecurityGroup', {
      vpc,
      description: 'Airlock environment tasks: reached only through the Airlock proxy',
      allowAllOutbound: true,
    });

    const efsSecurityGroup = new ec2.SecurityGroup(this, 'HomeSecurityGroup', {
      vpc,
      description: 'Airlock home folders (EFS): NFS from environment tasks only',
      allowAllOutbound: false,
    });
    efsSecurityGroup.addIngressRule(this.environmentSecurityGroup, ec2.Port.tcp(2049), 'NFS from environment tasks');
    this.fileSystem = new efs.FileSystem(this, 'Home', {
      vpc,
      vpcSubnets: props.network.subnets,
      securityGroup: efsSecurityGroup,
      encrypted: true,
      // Environments mount through their access point with IAM authorisation, never anonymously.
      allowAnonymousAccess: false,
      performanceMode: efs.PerformanceMode.GENERAL_PURPOSE,
      throughputMode: efs.ThroughputMode.ELASTIC,
      lifecyclePolicy: efs.LifecyclePolicy.AFTER_30_DAYS,
      enableAutomaticBackups: true,
      removalPolicy,
    });

    this.environmentLogGroup = new logs.LogGroup(this, 'EnvironmentLogs', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.environmentExecutionRole = new iam.Role(this, 'EnvironmentExecutionRole', {
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
      description: 'Airlock environment tasks: pull from the environment repository, write logs',
      maxSessionDuration: Duration.hours(1),
    });
    this.environmentRepository.grantPull(this.environmentExecutionRole);
    this.environmentLogGroup.grantWrite(this.environmentExecutionRole);
    this.environmentTaskRole = new iam.Role(this, 'EnvironmentTaskRole', {
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
      description: 'Airlock environment tasks: mount the home folder',
      maxSessionDuration: Duration.hours(1),
    });
    this.fileSystem.grantReadWrite(this.environmentTaskRole);
    if (props.exec) {
      // The SSM agent inside the task opens the session channels; these calls have no resource ARN.
      this.environmentTaskRole.addToPrincipalPolicy(new iam.PolicyStatement({
        actions: ['ssmmessages:CreateControlChannel', 'ssmmessages:CreateDataChannel', 'ssmmessages:OpenControlChannel', 'ssmmessages:OpenDataChannel'],
        resources: ['*'],
      }));
      props.execLogGroup?.grantWrite(this.environmentTaskRole);
    }
  }
}
