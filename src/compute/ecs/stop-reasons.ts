/**
 * Turns the way ECS says a task stopped (stop code, stopped reason, container
 * reasons and exit codes) into words a developer can act on, with a hint naming
 * the VPC endpoint, route or permission that is most likely missing. Endpoint
 * names come from the netcheck catalog so the hint matches what `airlock doctor`
 * and the infrastructure code call them.
 */
import { endpointsFor } from '../../netcheck/catalog.js';

/** The parts of an ECS task that say why it stopped. */
export interface StoppedTaskFacts {
  stopCode?: string;
  stoppedReason?: string;
  containers?: readonly { name?: string; reason?: string; exitCode?: number }[];
}

/** What we tell the user about a stop. */
export interface StopExplanation {
  /** `normal`: asked for (StopTask, scheduler); `failure`: it broke. */
  kind: 'normal' | 'failure';
  /** A stable key for the shape recognised (tests and metrics use it). */
  shape: string;
  message: string;
  hint?: string;
  exitCode?: number;
}

/** Hint pointing at one interface endpoint of the catalog, resolved for a Region. */
export function interfaceEndpointHint(id: string, region: string): string {
  const e = endpoint(id, region);
  return `check that the interface VPC endpoint ${e.service} (${e.title}) exists in the task's subnets with private DNS enabled, and that its security group allows TCP 443 from the task's security group`;
}

function s3GatewayHint(region: string): string {
  const s3 = endpoint('s3', region);
  return `check that the S3 gateway endpoint ${s3.service} is associated with the route table of every subnet the task runs in (ECR keeps image layers in S3)`;
}

function endpoint(id: string, region: string): { service: string; title: string } {
  const found = endpointsFor({ region, includeOptional: true }).find((e) => e.id === id);
  // The catalog knows every id used here; the fallback only guards a typo.
  return found ? { service: found.vpcEndpointServiceName, title: found.title } : { service: `com.amazonaws.${region}.${id}`, title: id };
}

const TIMEOUT_RE = /i\/o timeout|request canceled|context deadline exceeded|Client\.Timeout|connection timed out|no such host/i;
const DENIED_RE = /is not authorized to perform:?\s*([a-z0-9-]+:[A-Za-z0-9]+)/i;

/** Explains why a task stopped. `region` resolves endpoint names in hints. */
export function explainStop(task: StoppedTaskFacts, region: string): StopExplanation {
  const reason = (task.stoppedReason ?? '').trim();
  const code = task.stopCode ?? '';
  const essential = task.containers?.find((c) => c.exitCode !== undefined || c.reason) ?? task.containers?.[0];
  const containerReason = essential?.reason ?? '';
  const all = `${reason}\n${containerReason}`;
  const denied = DENIED_RE.exec(all)?.[1];

  if (code === 'UserInitiated' || code === 'ServiceSchedulerInitiated') {
    return { kind: 'normal', shape: 'requested', message: reason ? `stopped: ${reason}` : 'stopped on request' };
  }
  if (code === 'SpotInterruption' || /spot task was interrupted|spot interruption/i.test(all)) {
    return {
      kind: 'failure',
      shape: 'spot-interruption',
      message: 'the task ran on Spot capacity and AWS reclaimed it (Spot interruption)',
      hint: 'start the environment again; for work that must not be interrupted, use the FARGATE (not FARGATE_SPOT) capacity provider',
    };
  }
  if (code === 'TerminationNotice') {
    return { kind: 'failure', shape: 'termination-notice', message: 'AWS retired the task\'s host (scheduled maintenance)', hint: 'start the environment again; the home folder is kept' };
  }

  // Secrets first: their messages also start with "unable to pull secrets or registry auth".
  if (/unable to retrieve secrets? from asm|secretsmanager/i.test(all) && /ResourceInitializationError|unable to (pull|retrieve) secret/i.test(all)) {
    return initFailure('secretsmanager-unreachable', 'the task could not read its secrets from Secrets Manager', denied
      ? permissionHint(denied)
      : interfaceEndpointHint('secretsmanager', region));
  }
  if (/unable to retrieve secrets? from ssm/i.test(all)) {
    return initFailure('ssm-unreachable', 'the task could not read its parameters from SSM Parameter Store', denied
      ? permissionHint(denied)
      : interfaceEndpointHint('ssm', region));
  }
  if (/unable to pull secrets or registry auth|unable to retrieve ecr registry auth/i.test(all)) {
    return initFailure('ecr-api-unreachable', 'the task could not get registry credentials from the ECR API', denied
      ? permissionHint(denied)
      : interfaceEndpointHint('ecr.api', region));
  }
  if (/failed to validate logger args|log group does not exist|Cloudwatch log stream/i.test(all)) {
    if (/log group does not exist|ResourceNotFoundException/i.test(all)) {
      return initFailure('log-group-missing', 'the task\'s CloudWatch log group does not exist', 'create the log group named in the ECS compute config (`logGroup`), or redeploy the stack that creates it');
    }
    return initFailure('logs-unreachable', 'the task could not create its CloudWatch log stream', denied
      ? permissionHint(denied)
      : interfaceEndpointHint('logs', region));
  }
  if (/EFS|mount\.nfs|efs-utils|amazon-efs/i.test(all) && /ResourceInitializationError/i.test(all)) {
    return initFailure('efs-mount-failed', 'the task could not mount its home folder from EFS', 'check that the file system has a mount target in each of the task\'s subnets and that the mount targets\' security group allows TCP 2049 (NFS) from the task\'s security group; with IAM authorization the task role needs elasticfilesystem:ClientMount and ClientWrite');
  }
  if (/CannotPullContainerError/i.test(all)) return explainPull(all, region, denied);

  if (code === 'EssentialContainerExited' || /essential container in task exited/i.test(reason)) {
    const exitCode = essential?.exitCode;
    if (/OutOfMemory/i.test(containerReason) || (exitCode === 137 && /memory/i.test(containerReason))) {
      return { kind: 'failure', shape: 'out-of-memory', message: 'the workload was killed because it ran out of memory', hint: 'give the template more memory (`memory`), then start the environment again', exitCode };
    }
    const detail = containerReason ? ` (${containerReason})` : '';
    return {
      kind: 'failure',
      shape: 'container-exited',
      message: exitCode === undefined ? `the workload exited${detail}` : `the workload exited with code ${exitCode}${detail}`,
      hint: 'see `airlock env logs <name>` for its last output',
      exitCode,
    };
  }
  if (code === 'TaskFailedToStart') {
    return initFailure('failed-to-start', `the task failed to start: ${reason || containerReason || 'ECS gave no reason'}`, denied ? permissionHint(denied) : undefined);
  }
  return {
    kind: 'failure',
    shape: 'unknown',
    message: `the task stopped: ${reason || containerReason || code || 'ECS gave no reason'}`,
    exitCode: essential?.exitCode,
  };
}

function explainPull(text: string, region: string, denied: string | undefined): StopExplanation {
  if (denied) return initFailure('pull-denied', 'the image could not be pulled: access denied', permissionHint(denied));
  if (/not found|manifest unknown|does not exist/i.test(text) && !TIMEOUT_RE.test(text)) {
    return initFailure('image-not-found', 'the image could not be pulled: the repository or tag does not exist', 'check the template\'s `image` (repository, tag, account and Region of the ECR URI)');
  }
  if (TIMEOUT_RE.test(text)) {
    if (/s3[.-]|starport-layer-bucket/i.test(text)) {
      return initFailure('s3-unreachable', 'the image layers could not be downloaded from S3', s3GatewayHint(region));
    }
    if (/dkr\.ecr\./i.test(text) && !/request canceled while waiting for connection/i.test(text)) {
      return initFailure('ecr-dkr-unreachable', 'the image could not be pulled from the ECR registry', interfaceEndpointHint('ecr.dkr', region));
    }
    return initFailure('pull-timeout', 'the image could not be pulled: the connection timed out', `${s3GatewayHint(region)}; and ${interfaceEndpointHint('ecr.dkr', region)}`);
  }
  return initFailure('pull-failed', `the image could not be pulled: ${firstLine(text)}`, 'check the template\'s `image` and that the execution role may pull from that ECR repository');
}

function initFailure(shape: string, message: string, hint?: string): StopExplanation {
  return hint ? { kind: 'failure', shape, message, hint } : { kind: 'failure', shape, message };
}

function permissionHint(action: string): string {
  return `the task execution role is missing permission ${action}; add it to the role's policy (the stack's execution role grants it by default)`;
}

function firstLine(s: string): string {
  const line = s.trim().split('\n')[0] ?? '';
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}
