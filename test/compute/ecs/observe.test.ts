import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DescribeTasksCommand, ListTasksCommand, RunTaskCommand, StopTaskCommand } from '@aws-sdk/client-ecs';
import { EcsProvider } from '../../../src/compute/ecs/ecs-provider.js';
import type { Instance } from '../../../src/core/environment.js';
import { ProviderError } from '../../../src/core/errors.js';
import { ACCOUNT, REGION, awsError, baseOptions, fakeAws, template } from './fake-aws.js';

const arnOf = (i: number) => `arn:aws:ecs:${REGION}:${ACCOUNT}:task/airlock/${i.toString(16).padStart(32, '0')}`;
const req = (envId: string, generation = 1, spec = template()) => ({ envId, name: `n-${envId.slice(4)}`, owner: 'alice', generation, spec });

test('observe: 250 instances → exactly 3 DescribeTasks calls with 100/100/50 ARNs; unknown tasks are gone', async () => {
  const aws = fakeAws();
  const p = new EcsProvider(baseOptions({ describeConcurrency: 2 }), { ecs: aws.ecs });
  const instances: Instance[] = Array.from({ length: 250 }, (_, i) => ({ provider: 'ecs', id: arnOf(i + 1) }));
  const result = await p.observe(instances);

  const calls = aws.ecsMock.commandCalls(DescribeTasksCommand);
  assert.deepEqual(calls.map((c) => c.args[0].input.tasks!.length), [100, 100, 50]);
  assert.deepEqual(calls.flatMap((c) => c.args[0].input.tasks), instances.map((i) => i.id), 'every ARN once, in order');
  assert.ok(calls.every((c) => c.args[0].input.cluster === 'airlock' && c.args[0].input.include === undefined));
  assert.equal(result.size, 250);
  assert.ok([...result.values()].every((o) => o.status === 'gone'));
});

test('observe: bounded concurrency of describe batches', async () => {
  const aws = fakeAws();
  let inFlight = 0;
  let peak = 0;
  aws.ecsMock.on(DescribeTasksCommand).callsFake(async (input) => {
    inFlight++;
    peak = Math.max(peak, inFlight);
    await new Promise((r) => setTimeout(r, 5));
    inFlight--;
    return { tasks: [], failures: (input.tasks as string[]).map((arn) => ({ arn, reason: 'MISSING' })) };
  });
  const p = new EcsProvider(baseOptions({ describeConcurrency: 3 }), { ecs: aws.ecs });
  await p.observe(Array.from({ length: 1000 }, (_, i) => ({ provider: 'ecs', id: arnOf(i) })));
  assert.equal(aws.ecsMock.commandCalls(DescribeTasksCommand).length, 10);
  assert.equal(peak, 3);
});

test('observe maps starting, running (with address and milestones) and exited with reason + hint', async () => {
  const aws = fakeAws();
  const p = new EcsProvider(baseOptions(), { ecs: aws.ecs });
  const a = await p.start(req('env_a'));
  const b = await p.start(req('env_b'));
  const c = await p.start(req('env_c'));
  aws.setRunning(b.id, '10.0.1.50');
  Object.assign(aws.tasks.get(c.id)!, {
    lastStatus: 'STOPPED', desiredStatus: 'STOPPED', stopCode: 'TaskFailedToStart',
    stoppedReason: 'ResourceInitializationError: failed to validate logger args: create stream has been retried 1 times: failed to create Cloudwatch log stream: RequestError: send request failed caused by: Post "https://logs.eu-west-1.amazonaws.com/": dial tcp 10.0.1.40:443: i/o timeout : exit status 1',
  });
  const obs = await p.observe([a, b, c]);
  assert.equal(aws.ecsMock.commandCalls(DescribeTasksCommand).length, 1);
  assert.equal(obs.get(a.id)!.status, 'starting');
  assert.deepEqual(obs.get(b.id), {
    status: 'running',
    address: '10.0.1.50',
    ports: { '8080': 8080 },
    milestones: [
      { type: 'provisioning', at: '2026-01-01T00:00:00.000Z' },
      { type: 'image_pulled', at: '2026-01-01T00:00:20.000Z' },
      { type: 'started', at: '2026-01-01T00:00:22.000Z' },
    ],
  });
  const cObs = obs.get(c.id)!;
  assert.equal(cObs.status, 'exited');
  assert.match(cObs.reason!, /could not create its CloudWatch log stream/);
  assert.match(cObs.hint!, /com\.amazonaws\.eu-west-1\.logs/);
});

test('observe: a task with a health check is running only once HEALTHY', async () => {
  const aws = fakeAws();
  const p = new EcsProvider(baseOptions(), { ecs: aws.ecs });
  const spec = { ...template(), healthCheck: { command: ['CMD-SHELL', 'true'] } };
  const i = await p.start(req('env_h', 1, spec as never));
  aws.setRunning(i.id, '10.0.1.7', 'UNKNOWN');
  assert.equal((await p.observe([i])).get(i.id)!.status, 'starting');
  aws.tasks.get(i.id)!.healthStatus = 'HEALTHY';
  assert.equal((await p.observe([i])).get(i.id)!.status, 'running');
});

test('waitReady polls until RUNNING and returns the ENI address', async () => {
  const aws = fakeAws();
  const p = new EcsProvider(baseOptions(), { ecs: aws.ecs });
  const inst = await p.start(req('env_w'));
  let polls = 0;
  // Becomes RUNNING on the third look.
  aws.ecsMock.on(DescribeTasksCommand).callsFake((input) => {
    polls++;
    if (polls === 3) aws.setRunning(inst.id, '10.0.3.3');
    return { tasks: [aws.tasks.get((input.tasks as string[])[0]!)!], failures: [] };
  });
  const r = await p.waitReady(inst, template(), { timeoutMs: 5000 });
  assert.equal(r.ready, true);
  assert.equal(r.instance.address, '10.0.3.3');
  assert.equal(polls, 3);
  assert.ok(aws.ecsMock.commandCalls(DescribeTasksCommand).every((c) => c.args[0].input.tasks!.length === 1));
});

test('waitReady: a STOPPED task is not ready, with the mapped reason; a stuck one times out with a hint', async () => {
  const aws = fakeAws();
  const p = new EcsProvider(baseOptions(), { ecs: aws.ecs });
  const dead = await p.start(req('env_d'));
  Object.assign(aws.tasks.get(dead.id)!, {
    lastStatus: 'STOPPED', desiredStatus: 'STOPPED', stopCode: 'EssentialContainerExited', stoppedReason: 'Essential container in task exited',
    containers: [{ name: 'workload', exitCode: 1, lastStatus: 'STOPPED' }],
  });
  const r = await p.waitReady(dead, template(), { timeoutMs: 1000 });
  assert.equal(r.ready, false);
  assert.equal(r.reason, 'the workload exited with code 1');
  assert.match(r.hint!, /airlock env logs/);

  const stuck = await p.start(req('env_s'));
  aws.tasks.get(stuck.id)!.lastStatus = 'PENDING';
  const t = await p.waitReady(stuck, template(), { timeoutMs: 30 });
  assert.equal(t.ready, false);
  assert.match(t.reason!, /did not become ready within 0s \(last status PENDING\)/);
  assert.match(t.hint!, /image is still being pulled/);
});

test('stop sends StopTask with the reason and waits for STOPPED; stopping a gone task is fine', async () => {
  const aws = fakeAws();
  const p = new EcsProvider(baseOptions(), { ecs: aws.ecs });
  const inst = await p.start(req('env_x'));
  await p.stop(inst, 'idle for 30m');
  assert.deepEqual(aws.ecsMock.commandCalls(StopTaskCommand)[0]!.args[0].input, { cluster: 'airlock', task: inst.id, reason: 'idle for 30m' });
  assert.equal(aws.tasks.get(inst.id)!.lastStatus, 'STOPPED');
  const obs = (await p.observe([inst])).get(inst.id)!;
  assert.equal(obs.status, 'exited');
  assert.equal(obs.reason, 'stopped: idle for 30m');

  await p.stop(inst, 'again'); // already stopped: fine
  await p.stop({ provider: 'ecs', id: arnOf(999) }, 'unknown'); // not found: fine
});

test('stop gives up after its bound with a ProviderError when the task will not stop', async () => {
  const aws = fakeAws();
  const p = new EcsProvider(baseOptions({ stopTimeoutMs: 20 }), { ecs: aws.ecs });
  const inst = await p.start(req('env_y'));
  aws.ecsMock.on(StopTaskCommand).resolves({});
  aws.tasks.get(inst.id)!.lastStatus = 'DEPROVISIONING';
  await assert.rejects(p.stop(inst, 'x'), (e: unknown) => e instanceof ProviderError && /still DEPROVISIONING/.test(e.message));
});

test('list: this runner\'s tasks with envId and generation from tags, described in batches with TAGS', async () => {
  const aws = fakeAws();
  const mine = new EcsProvider(baseOptions(), { ecs: aws.ecs });
  const theirs = new EcsProvider(baseOptions({ runnerId: 'runner-2' }), { ecs: aws.ecs });
  for (let i = 0; i < 120; i++) await mine.start(req(`env_${i}`, 7));
  await theirs.start(req('env_other'));
  const stopped = await mine.start(req('env_stopped'));
  await mine.stop(stopped, 'done');
  aws.ecsMock.resetHistory();

  const listed = await mine.list();
  assert.equal(listed.length, 120);
  assert.ok(listed.every((l) => l.generation === 7 && /^env_\d+$/.test(l.envId!)));
  assert.deepEqual(aws.ecsMock.commandCalls(ListTasksCommand).map((c) => c.args[0].input), [
    { cluster: 'airlock', startedBy: 'airlock-runner-1', maxResults: 100, nextToken: undefined },
    { cluster: 'airlock', startedBy: 'airlock-runner-1', maxResults: 100, nextToken: '100' },
  ]);
  const describes = aws.ecsMock.commandCalls(DescribeTasksCommand);
  assert.deepEqual(describes.map((c) => c.args[0].input.tasks!.length), [100, 20]);
  assert.ok(describes.every((c) => c.args[0].input.include?.[0] === 'TAGS'));
});

test('observe surfaces DescribeTasks throttling as a retryable error (no partial view)', async () => {
  const aws = fakeAws();
  aws.ecsMock.on(DescribeTasksCommand).rejects(awsError('ThrottlingException', 'Rate exceeded'));
  const p = new EcsProvider(baseOptions(), { ecs: aws.ecs });
  await assert.rejects(p.observe([{ provider: 'ecs', id: arnOf(1) }]), (e: unknown) => (e as { retryable?: boolean }).retryable === true && (e as { retryAfterMs?: number }).retryAfterMs! > 0);
});

test('logs says where the logs are and how to read them', async () => {
  const aws = fakeAws();
  const p = new EcsProvider(baseOptions(), { ecs: aws.ecs });
  const inst = await p.start(req('env_l'));
  const lines: string[] = [];
  for await (const l of p.logs({ id: 'env_l', name: 'n-l' })) lines.push(l);
  assert.equal(lines.length, 1);
  const taskId = inst.id.split('/').pop();
  assert.match(lines[0]!, new RegExp(`group /airlock/environments, stream ide/workload/${taskId}`));
  assert.match(lines[0]!, /aws logs tail \/airlock\/environments --region eu-west-1/);
  assert.equal(aws.ecsMock.commandCalls(RunTaskCommand).length, 1);
});

test('waitReady keeps waiting through a throttled DescribeTasks', async () => {
  const aws = fakeAws();
  const p = new EcsProvider(baseOptions(), { ecs: aws.ecs });
  const inst = await p.start(req('env_t'));
  aws.setRunning(inst.id, '10.0.4.4');
  aws.ecsMock.on(DescribeTasksCommand)
    .rejectsOnce(awsError('ThrottlingException', 'Rate exceeded'))
    .callsFake((input) => ({ tasks: [aws.tasks.get((input.tasks as string[])[0]!)!], failures: [] }));
  const r = await p.waitReady(inst, template(), { timeoutMs: 5000 });
  assert.equal(r.ready, true);
  assert.equal(aws.ecsMock.commandCalls(DescribeTasksCommand).length, 2);
});
