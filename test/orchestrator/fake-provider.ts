import type { Environment, Instance } from '../../src/core/environment.js';
import type { Template } from '../../src/core/template.js';
import type { ComputeProvider, Observation, ReadyResult, StartRequest } from '../../src/compute/provider.js';

/** A scriptable ComputeProvider that records every call, for orchestrator tests. */
export class FakeProvider implements ComputeProvider {
  readonly kind = 'fake';
  readonly calls: { op: string; envId?: string; id?: string; generation?: number }[] = [];
  /** Live instances by id. */
  readonly live = new Map<string, Instance & { envId: string; generation: number; status: Observation['status']; reason?: string }>();
  /** What the next waitReady does. */
  readiness: 'ready' | 'fail' | 'hang' = 'ready';
  readyDelayMs = 5;
  failStart: string | undefined;
  destroyed: string[] = [];

  async start(req: StartRequest): Promise<Instance> {
    this.calls.push({ op: 'start', envId: req.envId, generation: req.generation });
    if (this.failStart) throw new Error(this.failStart);
    const id = `fake-${req.envId}-${req.generation}`;
    const existing = this.live.get(id);
    if (existing) return existing;
    const inst = { provider: 'fake', id, address: '127.0.0.1', ports: { '8080': 18080 }, envId: req.envId, generation: req.generation, status: 'starting' as const };
    this.live.set(id, inst);
    return inst;
  }

  async waitReady(instance: Instance, _spec: Template, opts: { timeoutMs: number; signal?: AbortSignal }): Promise<ReadyResult> {
    this.calls.push({ op: 'waitReady', id: instance.id });
    if (this.readiness === 'hang') {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, opts.timeoutMs);
        opts.signal?.addEventListener('abort', () => { clearTimeout(t); resolve(); });
      });
      return { ready: false, instance, reason: `did not listen within ${opts.timeoutMs} ms` };
    }
    await new Promise((r) => setTimeout(r, this.readyDelayMs));
    if (this.readiness === 'fail') return { ready: false, instance, reason: 'exited with code 3', hint: 'look at the logs' };
    const inst = this.live.get(instance.id);
    if (inst) inst.status = 'running';
    return { ready: true, instance };
  }

  async stop(instance: Instance, reason: string): Promise<void> {
    this.calls.push({ op: 'stop', id: instance.id });
    const inst = this.live.get(instance.id);
    if (inst) inst.reason = reason;
    this.live.delete(instance.id);
  }

  async destroy(env: Pick<Environment, 'id' | 'name'>): Promise<void> {
    this.calls.push({ op: 'destroy', envId: env.id });
    this.destroyed.push(env.id);
  }

  async observe(instances: readonly Instance[]): Promise<Map<string, Observation>> {
    this.calls.push({ op: 'observe' });
    const out = new Map<string, Observation>();
    for (const i of instances) {
      const inst = this.live.get(i.id);
      out.set(i.id, inst ? { status: inst.status, ...(inst.reason ? { reason: inst.reason } : {}) } : { status: 'gone' });
    }
    return out;
  }

  async list() {
    return [...this.live.values()].filter((i) => i.status !== 'exited');
  }

  async *logs(): AsyncIterable<string> {
    yield 'hello from fake';
  }

  /** Simulates the workload dying on its own. */
  crash(envId: string, reason = 'exited with code 137'): void {
    for (const inst of this.live.values()) if (inst.envId === envId) { inst.status = 'exited'; inst.reason = reason; }
  }

  count(op: string): number {
    return this.calls.filter((c) => c.op === op).length;
  }
}
