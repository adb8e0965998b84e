/** Reads an ECS task into the provider's terms: status, address, milestones, stop explanation. */
import type { Task } from '@aws-sdk/client-ecs';
import type { Observation } from '../provider.js';
import { explainStop } from './stop-reasons.js';
import { CONTAINER_NAME, regionOfArn } from './naming.js';

const STOPPING = new Set(['DEACTIVATING', 'STOPPING', 'DEPROVISIONING', 'STOPPED', 'DELETED']);

/** The private IPv4 of the task's network interface, once ECS has attached it. */
export function addressOf(task: Task): string | undefined {
  for (const a of task.attachments ?? []) {
    if (a.type !== 'ElasticNetworkInterface') continue;
    const ip = a.details?.find((d) => d.name === 'privateIPv4Address')?.value;
    if (ip) return ip;
  }
  return task.containers?.find((c) => c.networkInterfaces?.[0]?.privateIpv4Address)?.networkInterfaces?.[0]?.privateIpv4Address;
}

/** Timeline milestones from the task's timestamps. */
export function milestonesOf(task: Task): NonNullable<Observation['milestones']> {
  const out: NonNullable<Observation['milestones']> = [];
  // The SDK hands back Date objects; ISO strings are what the timeline stores.
  const at = (d: Date | undefined) => (d ? d.toISOString() : undefined);
  const created = at(task.createdAt);
  const pulled = at(task.pullStoppedAt);
  const started = at(task.startedAt);
  if (created) out.push({ type: 'provisioning', at: created });
  if (pulled) out.push({ type: 'image_pulled', at: pulled });
  if (started) out.push({ type: 'started', at: started });
  return out;
}

/** Whether the task has stopped or is on its way down. */
export function isStopping(task: Task): boolean {
  return STOPPING.has(task.lastStatus ?? '') || task.desiredStatus === 'STOPPED';
}

/**
 * What the provider reports for one task. A task whose definition has a health
 * check is `running` only once ECS calls it HEALTHY.
 */
export function observationOf(task: Task, opts: { healthCheck: boolean; region?: string; ports?: Record<string, number> }): Observation {
  const address = addressOf(task);
  const base: Observation = { status: 'starting', milestones: milestonesOf(task) };
  if (address) base.address = address;
  if (opts.ports) base.ports = opts.ports;
  if (isStopping(task)) {
    const region = opts.region ?? regionOfArn(task.taskArn ?? '') ?? 'us-east-1';
    const why = explainStop({
      stopCode: task.stopCode,
      stoppedReason: task.stoppedReason,
      containers: (task.containers ?? [])
        .filter((c) => c.name === CONTAINER_NAME || (task.containers?.length ?? 0) === 1)
        .map((c) => ({ name: c.name, reason: c.reason, exitCode: c.exitCode })),
    }, region);
    const obs: Observation = { ...base, status: 'exited', reason: why.message };
    if (why.hint) obs.hint = why.hint;
    if (why.exitCode !== undefined) obs.exitCode = why.exitCode;
    return obs;
  }
  if (task.lastStatus === 'RUNNING') {
    const healthy = task.healthStatus === 'HEALTHY' || (!opts.healthCheck && task.healthStatus !== 'UNHEALTHY');
    if (healthy && address) return { ...base, status: 'running' };
  }
  return base;
}
