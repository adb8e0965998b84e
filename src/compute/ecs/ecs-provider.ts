/**
 * Runs environments as ECS tasks (Fargate or EC2 capacity providers) with AWS SDK v3.
 * Loaded only when `compute.type` is `ecs`: nothing else may import this module, so
 * the SDK never loads for a local runner or the CLI.
 */
import {
  ECSClient,
  ListTasksCommand,
  RunTaskCommand,
  StopTaskCommand,
  type RunTaskCommandInput,
  type Tag,
  type Task,
} from '@aws-sdk/client-ecs';
import { EFSClient } from '@aws-sdk/client-efs';
import type { Environment, Instance } from '../../core/environment.js';
import { ProviderError } from '../../core/errors.js';
import type { Template } from '../../core/template.js';
import type { ComputeProvider, LogOptions, Observation, ReadyResult, StartRequest } from '../provider.js';
import { AccessPoints } from './access-points.js';
import { awsErrorName, isNotFound, providerErrorFrom } from './aws-errors.js';
import { describeTasks } from './describe.js';
import { TAG, envFamily, runTaskClientToken, startedByFor, tagRecord, templateFamily, CONTAINER_NAME } from './naming.js';
import { optionsFromConfig, resolveOptions, type EcsComputeConfig, type EcsProviderOptions, type ResolvedEcsOptions } from './options.js';
import { explainStop } from './stop-reasons.js';
import { TaskDefinitions, assertRunnable, buildTaskDefinition } from './task-definition.js';
import { addressOf, isStopping, observationOf } from './task-state.js';

/** SDK clients the provider uses; pass your own (tests, custom endpoints) or let it build them. */
export interface EcsClients {
  ecs?: ECSClient;
  /** Needed only with `fileSystemId`. */
  efs?: EFSClient;
}

/** A task this runner launched, as `list()` reports it. */
export type ListedInstance = Instance & { envId?: string; generation?: number };

/** The ECS compute provider. */
export class EcsProvider implements ComputeProvider {
  readonly kind = 'ecs';
  private readonly o: ResolvedEcsOptions;
  private readonly ecs: ECSClient;
  private readonly efs?: EFSClient;
  private readonly ownsClients: boolean;
  private readonly taskDefinitions: TaskDefinitions;
  private readonly accessPoints?: AccessPoints;
  private readonly startedBy: string;
  /** envId → where its latest task logs, for `logs()`. */
  private readonly logStreams = new Map<string, { prefix: string; taskArn: string }>();
  private regionValue?: string;

  /** Builds the provider from the validated `compute` config section. */
  static fromConfig(compute: EcsComputeConfig, runnerId: string, clients: EcsClients = {}): EcsProvider {
    return new EcsProvider(optionsFromConfig(compute, runnerId), clients);
  }

  constructor(options: EcsProviderOptions, clients: EcsClients = {}) {
    this.o = resolveOptions(options);
    this.ownsClients = !clients.ecs;
    // Adaptive retry: client-side rate limiting on throttles, bounded attempts.
    const sdk = { region: this.o.region, retryMode: 'adaptive', maxAttempts: this.o.maxAttempts };
    this.ecs = clients.ecs ?? new ECSClient(sdk);
    if (this.o.fileSystemId) {
      this.efs = clients.efs ?? new EFSClient(sdk);
      this.accessPoints = new AccessPoints(this.efs, {
        fileSystemId: this.o.fileSystemId,
        runnerId: this.o.runnerId,
        uid: this.o.homeUid,
        gid: this.o.homeGid,
        pollIntervalMs: this.o.pollIntervalMs,
      });
    }
    this.taskDefinitions = new TaskDefinitions(this.ecs);
    this.startedBy = startedByFor(this.o.runnerId);
  }

  /** Task definition revisions this process registered (not reused). */
  get registeredTaskDefinitions(): number {
    return this.taskDefinitions.registered;
  }

  private async region(): Promise<string> {
    if (!this.regionValue) this.regionValue = this.o.region ?? (await this.ecs.config.region());
    return this.regionValue;
  }

  async start(req: StartRequest): Promise<Instance> {
    const region = await this.region();
    const { spec } = req;
    // Refuse a template ECS cannot run before creating anything for it.
    assertRunnable(this.o, spec, region);
    // With EFS homes the access point is part of the task definition (RunTask cannot
    // override volumes), so each environment has its own family; see docs/ecs.md.
    const accessPointId = this.accessPoints ? await this.accessPoints.ensure(req.envId, req.name) : undefined;
    const family = accessPointId ? envFamily(req.envId) : templateFamily(spec.name);
    const logStreamPrefix = accessPointId ? req.name : spec.name;
    const input = buildTaskDefinition(this.o, region, { family, spec, logStreamPrefix, accessPointId });
    const defTags: Tag[] = [{ key: TAG.template, value: spec.name }];
    if (accessPointId) defTags.push({ key: TAG.env, value: req.envId });
    const taskDefinition = await this.taskDefinitions.ensure(input, defTags);

    const run: RunTaskCommandInput = {
      cluster: this.o.cluster,
      taskDefinition,
      count: 1,
      capacityProviderStrategy: this.o.capacityProviderStrategy.map((s) => ({ ...s })),
      networkConfiguration: {
        awsvpcConfiguration: {
          subnets: [...this.o.subnets],
          securityGroups: [...this.o.securityGroups],
          // Only public-ip mode has a route to an internet gateway; anywhere else a public IP is useless or a leak.
          assignPublicIp: this.o.mode === 'public-ip' ? 'ENABLED' : 'DISABLED',
        },
      },
      startedBy: this.startedBy,
      clientToken: runTaskClientToken(req.envId, req.generation),
      enableECSManagedTags: true,
      tags: [
        { key: TAG.env, value: req.envId },
        { key: TAG.envName, value: req.name },
        { key: TAG.runner, value: this.o.runnerId },
        { key: TAG.generation, value: String(req.generation) },
        { key: TAG.template, value: spec.name },
      ],
    };
    let task: Task | undefined;
    try {
      const out = await this.ecs.send(new RunTaskCommand(run));
      const failure = out.failures?.[0];
      if (failure && !out.tasks?.length) {
        throw new ProviderError(
          `ECS could not place the task for environment "${req.name}": ${failure.reason ?? 'unknown reason'}${failure.detail ? ` (${failure.detail})` : ''}`,
          placementHint(failure.reason ?? ''),
        );
      }
      task = out.tasks?.[0];
    } catch (err) {
      // Same client token with different parameters (e.g. the definition was re-registered
      // after a restart): the task of this start exists already; find it rather than launch again.
      if (awsErrorName(err) === 'ConflictException') task = await this.findTask(req.envId, req.generation);
      if (!task) throw providerErrorFrom(err, `RunTask for environment "${req.name}"`);
    }
    if (!task?.taskArn) throw new ProviderError(`ECS returned no task for environment "${req.name}"`, 'start the environment again');
    this.logStreams.set(req.envId, { prefix: logStreamPrefix, taskArn: task.taskArn });

    const instance: Instance = {
      provider: 'ecs',
      id: task.taskArn,
      ports: Object.fromEntries(spec.ports.map((p) => [String(p.port), p.port])),
      meta: {
        cluster: this.o.cluster,
        taskDefinition,
        envId: req.envId,
        generation: String(req.generation),
        healthCheck: String(spec.healthCheck !== undefined),
        logGroup: this.o.logGroup,
        logStreamPrefix,
        ...(accessPointId ? { accessPointId } : {}),
      },
    };
    const address = addressOf(task);
    if (address) instance.address = address;
    return instance;
  }

  async waitReady(instance: Instance, spec: Template, opts: { timeoutMs: number; signal?: AbortSignal }): Promise<ReadyResult> {
    const deadline = Date.now() + opts.timeoutMs;
    const healthCheck = spec.healthCheck !== undefined;
    const cluster = instance.meta?.cluster ?? this.o.cluster;
    const region = await this.region();
    let last: Task | undefined;
    for (;;) {
      if (opts.signal?.aborted) return { ready: false, instance, reason: 'waiting was cancelled' };
      let task: Task | undefined;
      try {
        task = (await describeTasks(this.ecs, cluster, [instance.id], { concurrency: 1 })).tasks[0];
      } catch (err) {
        // Throttling or a transient AWS error while waiting: keep waiting until the deadline.
        if (!(err as { retryable?: boolean }).retryable || Date.now() >= deadline) throw err;
        await sleep(Math.min(this.o.pollIntervalMs * 2, Math.max(0, deadline - Date.now())), opts.signal);
        continue;
      }
      if (!task) {
        return { ready: false, instance, reason: 'the task disappeared before it became ready', hint: 'ECS keeps stopped tasks for about an hour; start the environment again' };
      }
      last = task;
      const obs = observationOf(task, { healthCheck, region, ports: instance.ports });
      const current: Instance = obs.address ? { ...instance, address: obs.address } : instance;
      if (obs.status === 'running') return { ready: true, instance: current };
      if (obs.status === 'exited') return withHint({ ready: false, instance: current, reason: obs.reason }, obs.hint);
      const left = deadline - Date.now();
      if (left <= 0) break;
      await sleep(Math.min(this.o.pollIntervalMs, left), opts.signal);
    }
    const status = last?.lastStatus ?? 'unknown';
    return withHint(
      { ready: false, instance, reason: `the task did not become ready within ${Math.round(opts.timeoutMs / 1000)}s (last status ${status}${healthCheck ? `, health ${last?.healthStatus ?? 'UNKNOWN'}` : ''})` },
      slowStartHint(status, healthCheck),
    );
  }

  async stop(instance: Instance, reason: string): Promise<void> {
    const cluster = instance.meta?.cluster ?? this.o.cluster;
    try {
      await this.ecs.send(new StopTaskCommand({ cluster, task: instance.id, reason: reason.slice(0, 255) }));
    } catch (err) {
      if (isNotFound(err)) return;
      throw providerErrorFrom(err, `StopTask for ${instance.id}`);
    }
    const deadline = Date.now() + this.o.stopTimeoutMs;
    for (;;) {
      const d = await describeTasks(this.ecs, cluster, [instance.id], { concurrency: 1 });
      const task = d.tasks[0];
      if (!task || task.lastStatus === 'STOPPED' || task.lastStatus === 'DELETED') return;
      if (Date.now() >= deadline) {
        throw new ProviderError(`task ${instance.id} is still ${task.lastStatus ?? 'running'} after StopTask`, 'ECS stops it on its own (SIGTERM, then SIGKILL after the stop timeout); the runner checks again on its next pass');
      }
      await sleep(Math.min(this.o.pollIntervalMs, Math.max(0, deadline - Date.now())));
    }
  }

  async destroy(env: Pick<Environment, 'id' | 'name'>): Promise<void> {
    this.logStreams.delete(env.id);
    if (!this.accessPoints) return; // Template-wide definitions are shared and stay.
    await this.accessPoints.remove(env.id);
    await this.taskDefinitions.removeFamily(envFamily(env.id));
  }

  async observe(instances: readonly Instance[]): Promise<Map<string, Observation>> {
    const result = new Map<string, Observation>();
    const region = await this.region();
    const byCluster = new Map<string, Instance[]>();
    for (const i of instances) {
      const c = i.meta?.cluster ?? this.o.cluster;
      const list = byCluster.get(c);
      if (list) list.push(i);
      else byCluster.set(c, [i]);
    }
    for (const [cluster, group] of byCluster) {
      const d = await describeTasks(this.ecs, cluster, group.map((i) => i.id), { concurrency: this.o.describeConcurrency });
      const tasks = new Map(d.tasks.map((t) => [t.taskArn!, t]));
      for (const i of group) {
        const task = tasks.get(i.id);
        // MISSING failures, and tasks ECS has forgotten (stopped over an hour ago), are gone.
        if (!task) {
          result.set(i.id, { status: 'gone' });
          continue;
        }
        result.set(i.id, observationOf(task, { healthCheck: i.meta?.healthCheck === 'true', region, ports: i.ports }));
      }
    }
    return result;
  }

  async list(): Promise<ListedInstance[]> {
    const arns: string[] = [];
    let nextToken: string | undefined;
    try {
      do {
        const out = await this.ecs.send(new ListTasksCommand({ cluster: this.o.cluster, startedBy: this.startedBy, maxResults: 100, nextToken }));
        arns.push(...(out.taskArns ?? []));
        nextToken = out.nextToken;
      } while (nextToken);
    } catch (err) {
      throw providerErrorFrom(err, 'ListTasks');
    }
    const d = await describeTasks(this.ecs, this.o.cluster, arns, { concurrency: this.o.describeConcurrency, includeTags: true });
    const out: ListedInstance[] = [];
    for (const task of d.tasks) {
      const tags = tagRecord(task.tags);
      // startedBy can be shared by two runner ids only through a hash collision; the tag is exact.
      if (tags[TAG.runner] !== this.o.runnerId || !task.taskArn || isStopping(task)) continue;
      const inst: ListedInstance = { provider: 'ecs', id: task.taskArn, meta: { cluster: this.o.cluster, ...(task.taskDefinitionArn ? { taskDefinition: task.taskDefinitionArn } : {}) } };
      const address = addressOf(task);
      if (address) inst.address = address;
      if (tags[TAG.env]) inst.envId = tags[TAG.env];
      const gen = Number(tags[TAG.generation]);
      if (tags[TAG.generation] !== undefined && Number.isInteger(gen)) inst.generation = gen;
      out.push(inst);
    }
    return out;
  }

  /** ECS task logs live in CloudWatch Logs; this runner has no Logs client, so it says where to read them. */
  async *logs(env: Pick<Environment, 'id' | 'name'>, _opts?: LogOptions): AsyncIterable<string> {
    const known = this.logStreams.get(env.id);
    const group = this.o.logGroup;
    const region = await this.region();
    const stream = known
      ? `${known.prefix}/${CONTAINER_NAME}/${known.taskArn.split('/').pop()}`
      : `${this.o.fileSystemId ? env.name : '<template>'}/${CONTAINER_NAME}/<task id>`;
    yield `environment "${env.name}" logs to CloudWatch Logs group ${group}, stream ${stream}; this runner cannot read CloudWatch Logs yet. ` +
      `Read them with: aws logs tail ${group} --region ${region} --log-stream-names ${known ? stream : '<stream>'} --follow`;
  }

  async close(): Promise<void> {
    if (!this.ownsClients) return;
    this.ecs.destroy();
    this.efs?.destroy();
  }

  /** The task this runner launched for (envId, generation), if ECS still runs it. */
  private async findTask(envId: string, generation: number): Promise<Task | undefined> {
    const listed = await this.list();
    const hit = listed.find((i) => i.envId === envId && i.generation === generation);
    if (!hit) return undefined;
    const d = await describeTasks(this.ecs, this.o.cluster, [hit.id], { concurrency: 1 });
    return d.tasks[0];
  }
}

/** Explains a stopped task; exported for the orchestrator's timeline. */
export { explainStop };

function withHint(r: ReadyResult, hint: string | undefined): ReadyResult {
  return hint ? { ...r, hint } : r;
}

function placementHint(reason: string): string {
  if (/capacity|RESOURCE:/i.test(reason)) return 'the capacity provider has no room right now: retry shortly, or use a smaller cpu/memory size or another capacity provider';
  if (/AGENT/i.test(reason)) return 'the EC2 container instances\' agents are disconnected: check the ecs-agent and ecs-telemetry endpoints';
  if (/ATTRIBUTE/i.test(reason)) return 'no container instance matches the task\'s requirements (architecture, awsvpc trunking, or placement constraints)';
  return 'check the cluster\'s capacity providers in the ECS console';
}

function slowStartHint(status: string, healthCheck: boolean): string | undefined {
  if (status === 'PROVISIONING') return 'ECS is still finding capacity or attaching the network interface; check the subnets have free IP addresses and the capacity provider can scale';
  if (status === 'PENDING' || status === 'ACTIVATING') return 'the image is still being pulled or the home folder mounted; large images need a longer startTimeout';
  if (status === 'RUNNING' && healthCheck) return 'the container runs but its health check is not passing; check the template\'s healthCheck command and `airlock env logs`';
  return undefined;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
