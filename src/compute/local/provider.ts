import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, fstatSync, openSync, writeSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { appendFile, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Environment, Instance } from '../../core/environment.js';
import { ProviderError } from '../../core/errors.js';
import type { PortSpec, Template } from '../../core/template.js';
import type { ComputeProvider, LogOptions, Observation, ReadyResult, StartRequest } from '../provider.js';
import { InstanceRecords, type InstanceRecord } from './instance-records.js';
import { readLog, sizeOf, tailLines } from './log-file.js';
import { freePort } from './ports.js';
import { httpHealthy, tcpAccepts } from './probes.js';
import { findMarkedLeaders, hasProcfs, isGroupAlive, isProcessAlive, isSafePid, processStartTicks, readProcStat, signalGroup } from './processes.js';

export interface LocalProviderOptions {
  /** Folder that holds `homes/`, `logs/` and `instances/`. */
  dataDir: string;
  /** Seconds between SIGTERM and SIGKILL on stop. @default 5 */
  stopGraceSeconds?: number;
  /** This runner's name, written into each instance record; `list()` returns only its own. @default local */
  runnerId?: string;
}

/** How often readiness and stop are polled: the create→running goal is under 500 ms. */
const POLL_MS = 20;
/** Lines of output quoted in a failure reason. */
const FAILURE_TAIL_LINES = 20;
/** How long to wait for a group to vanish after SIGKILL before calling it stuck. */
const KILL_WAIT_MS = 5000;
const ADDRESS = '127.0.0.1';
/** Set in every workload's environment: `<provider key>:<envId>:<generation>`, so the process table shows what we launched. */
const MARKER = 'AIRLOCK_INSTANCE';
const ENV_ID_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/** A process this provider object spawned itself, so its exit status is known. */
interface Watched {
  envId: string;
  child: ChildProcess;
  exit?: { code: number | null; signal: NodeJS.Signals | null };
  exited: Promise<void>;
  ready: boolean;
  stopReason?: string;
}

/** Where an instance's process is, from its record on disk or, failing that, its handle's meta. */
interface Located {
  pid: number;
  pgid: number;
  procStart?: string;
  logPath?: string;
  logOffset: number;
  record?: InstanceRecord;
}

/**
 * Runs each environment as a detached process group on this machine, with its own
 * home folder under `<dataDir>/homes/<envId>` that survives stop and start. Instances
 * are recorded under `<dataDir>/instances` so that a restarted runner finds, observes
 * and stops them; the process start time in each record guards against pid reuse.
 */
export class LocalProvider implements ComputeProvider {
  readonly kind = 'local';
  private readonly dataDir: string;
  private readonly graceMs: number;
  private readonly runnerId: string;
  private readonly records: InstanceRecords;
  /** Keyed by instance id (the process group id). */
  private readonly watched = new Map<string, Watched>();
  /** Starts in flight, keyed by `<envId>#<generation>`: a retried start joins the first. */
  private readonly starting = new Map<string, Promise<Instance>>();

  constructor(opts: LocalProviderOptions) {
    if (!opts.dataDir) throw new ProviderError('LocalProvider needs `dataDir`: the folder for homes, logs and instance records');
    const grace = opts.stopGraceSeconds ?? 5;
    if (!(grace >= 0)) throw new ProviderError(`stopGraceSeconds must be 0 or more, got ${grace}`);
    this.dataDir = opts.dataDir;
    this.graceMs = grace * 1000;
    this.runnerId = opts.runnerId ?? 'local';
    this.records = new InstanceRecords(join(this.dataDir, 'instances'));
    this.key = createHash('sha256').update(`${this.runnerId}\0${this.dataDir}`).digest('hex').slice(0, 16);
  }

  /** Identifies this provider (runner id + data dir) in the marker its workloads carry. */
  private readonly key: string;

  /** The home folder of an environment (kept across stop and start, removed by destroy). */
  homeOf(envId: string): string {
    return join(this.dataDir, 'homes', checkEnvId(envId));
  }

  /** The file that collects an environment's output across all its starts. */
  logPathOf(envId: string): string {
    return join(this.dataDir, 'logs', `${checkEnvId(envId)}.log`);
  }

  start(req: StartRequest): Promise<Instance> {
    const key = `${req.envId}#${req.generation}`;
    const inFlight = this.starting.get(key);
    if (inFlight) return inFlight;
    const started = this.launch(req).finally(() => this.starting.delete(key));
    this.starting.set(key, started);
    return started;
  }

  async waitReady(instance: Instance, spec: Template, opts: { timeoutMs: number; signal?: AbortSignal }): Promise<ReadyResult> {
    const deadline = Date.now() + opts.timeoutMs;
    const located = await this.locate(instance);
    if (!located) {
      return { ready: false, instance, reason: `the local provider has no record of instance ${instance.id}: it was stopped or never started here` };
    }
    const watched = this.watched.get(instance.id);
    const fail = async (why: string): Promise<ReadyResult> => ({
      ready: false,
      instance,
      reason: `${why}${await this.outputTail(located)}`,
      hint: located.logPath ? `its whole output is in ${located.logPath}` : undefined,
    });
    const pending = new Map<PortSpec, number>();
    for (const p of spec.ports) {
      const local = instance.ports?.[String(p.port)];
      if (local === undefined) return fail(`instance ${instance.id} has no local port for declared port ${p.port}`);
      pending.set(p, local);
    }

    for (;;) {
      const exited = await this.exitDescription(located, watched);
      if (exited) return fail(`${exited} before it was ready`);
      const remaining = deadline - Date.now();
      const probeMs = Math.max(50, Math.min(1000, remaining));
      const results = await Promise.all(
        [...pending].map(async ([p, local]) => {
          const address = instance.address ?? ADDRESS;
          const ok = p.protocol === 'tcp' ? await tcpAccepts(address, local, probeMs) : await httpHealthy(address, local, p.healthPath, probeMs);
          return [p, ok] as const;
        }),
      );
      for (const [p, ok] of results) if (ok) pending.delete(p);
      if (pending.size === 0) {
        if (watched) watched.ready = true;
        return { ready: true, instance };
      }
      if (opts.signal?.aborted) return { ready: false, instance, reason: 'waiting for readiness was cancelled' };
      if (Date.now() >= deadline) {
        const [p, local] = [...pending][0]!;
        const what = p.protocol === 'tcp' ? 'accept connections' : `answer GET ${p.healthPath} with a status below 500`;
        return fail(`it did not listen on port ${p.port} (local port ${local}) within ${formatSeconds(opts.timeoutMs)}: it did not ${what}`);
      }
      try {
        await sleep(POLL_MS, undefined, { signal: opts.signal });
      } catch {
        return { ready: false, instance, reason: 'waiting for readiness was cancelled' };
      }
    }
  }

  async stop(instance: Instance, reason: string): Promise<void> {
    if (instance.provider !== this.kind) return;
    const located = await this.locate(instance);
    if (!located) return; // nothing of it is left, which is what stop asks for
    const watched = this.watched.get(instance.id);
    if (watched && !watched.exit) watched.stopReason = reason;
    await this.stopGroup(located);
    if (watched) await Promise.race([watched.exited, sleep(1000)]);
    if (located.record) await this.records.remove(located.record.envId, located.pgid);
  }

  async destroy(env: Pick<Environment, 'id' | 'name'>): Promise<void> {
    const record = await this.records.read(env.id);
    if (record) await this.stopGroup(locatedFrom(record));
    for (const [id, w] of this.watched) {
      if (w.envId !== env.id) continue;
      if (!w.exit && w.child.pid) await this.stopGroup({ pid: w.child.pid, pgid: w.child.pid });
      this.watched.delete(id);
    }
    await Promise.all([
      rm(this.homeOf(env.id), { recursive: true, force: true }),
      rm(this.logPathOf(env.id), { force: true }),
      this.records.remove(env.id),
    ]);
  }

  async observe(instances: readonly Instance[]): Promise<Map<string, Observation>> {
    const out = new Map<string, Observation>();
    for (const instance of instances) out.set(instance.id, await this.observeOne(instance));
    return out;
  }

  /**
   * Live instances: those with a record, plus any process group carrying this
   * provider's marker without one (a runner killed between spawn and record, or a
   * record lost), so the reconciler can stop what would otherwise run unseen.
   */
  async list(): Promise<(Instance & { envId?: string; generation?: number })[]> {
    const records = await this.records.all();
    const live: (Instance & { envId?: string; generation?: number })[] = records
      .filter((r) => r.runnerId === this.runnerId && isProcessAlive(r.pid, r.procStart))
      .map((r) => ({ ...toInstance(r), envId: r.envId, generation: r.generation }));
    const known = new Set(live.map((i) => i.id));
    for (const found of findMarkedLeaders(MARKER, `${this.key}:`)) {
      if (known.has(String(found.pid))) continue;
      const [, envId, generation] = found.value.split(':');
      live.push({
        provider: this.kind,
        id: String(found.pid),
        address: ADDRESS,
        meta: { pid: String(found.pid), procStart: found.startTicks, unrecorded: 'true' },
        ...(envId ? { envId } : {}),
        ...(generation ? { generation: Number(generation) } : {}),
      });
    }
    return live;
  }

  logs(env: Pick<Environment, 'id' | 'name'>, opts: LogOptions = {}): AsyncIterable<string> {
    return readLog(this.logPathOf(env.id), { tail: opts.tail ?? 100, follow: opts.follow ?? false, signal: opts.signal });
  }

  /** Environments outlive the runner on purpose: closing stops watching, nothing more. */
  async close(): Promise<void> {
    this.watched.clear();
  }

  private async launch(req: StartRequest): Promise<Instance> {
    const { spec } = req;
    if (!spec.command?.length) {
      throw new ProviderError(
        `template "${spec.name}" needs \`command\` for the local provider, which runs a command on this machine rather than an image`,
        'add e.g. `command: ["node", "server.js", "--port", "{port}"]` to the template',
      );
    }
    const existing = await this.records.read(checkEnvId(req.envId));
    if (existing && isProcessAlive(existing.pid, existing.procStart)) {
      if (existing.generation === req.generation) return toInstance(existing);
      // An earlier start still runs (e.g. the runner died before stopping it). It owns the
      // home folder and the log, so it goes before the new start begins.
      await this.stopGroup(locatedFrom(existing));
    }

    const home = this.homeOf(req.envId);
    const logPath = this.logPathOf(req.envId);
    await Promise.all([mkdir(home, { recursive: true, mode: 0o700 }), mkdir(join(this.dataDir, 'logs'), { recursive: true })]);
    const ports: Record<string, number> = {};
    for (const p of spec.ports) ports[String(p.port)] = await freePort(ADDRESS);
    const mainPort = spec.ports[0] ? ports[String(spec.ports[0].port)] : undefined;
    const argv = substitute(spec.command, { home, port: mainPort, template: spec.name });
    const env = workloadEnv(spec, { home, ports, mainPort, envId: req.envId, name: req.name });
    env[MARKER] = `${this.key}:${req.envId}:${req.generation}`;

    const startedAt = new Date().toISOString();
    // Append mode, handed to the child as its stdout and stderr: it keeps writing after the runner exits.
    const fd = openSync(logPath, 'a', 0o600);
    let child: ChildProcess;
    let spawnError: Promise<Error>;
    let logOffset = 0;
    try {
      writeSync(fd, `[airlock] ${startedAt} starting ${req.name} (generation ${req.generation}): ${argv.join(' ')}\n`);
      logOffset = fstatSync(fd).size;
      child = spawn(argv[0]!, argv.slice(1), { cwd: home, env, detached: true, stdio: ['ignore', fd, fd] });
      // Listen at once: a failed spawn (ENOENT, EACCES) emits 'error' on the next tick.
      spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
      if (child.pid !== undefined) {
        // Same tick as the spawn: a runner killed from here on still leaves the record.
        this.records.writeNow(this.recordOf(req, child.pid, { ports, logPath, logOffset, startedAt }));
      }
    } finally {
      closeSync(fd);
    }
    if (child.pid === undefined) {
      const err = await spawnError;
      await appendFile(logPath, `[airlock] could not run ${argv[0]}: ${err.message}\n`).catch(() => {});
      throw new ProviderError(
        `could not run the command of template "${spec.name}": ${err.message}`,
        `check that "${argv[0]}" exists and is executable on the runner's PATH`,
      );
    }
    const pid = child.pid;
    const watched: Watched = { envId: req.envId, child, ready: false, exited: Promise.resolve() };
    watched.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        watched.exit = { code, signal };
        resolve();
      });
    });
    child.on('error', () => {}); // a failed kill() must not crash the runner; stop checks the group itself
    child.unref();
    this.watched.set(String(pid), watched);

    return toInstance(this.recordOf(req, pid, { ports, logPath, logOffset, startedAt }));
  }

  private recordOf(req: StartRequest, pid: number, v: Pick<InstanceRecord, 'ports' | 'logPath' | 'logOffset' | 'startedAt'>): InstanceRecord {
    return {
      envId: req.envId,
      name: req.name,
      generation: req.generation,
      pid,
      pgid: pid, // detached: the child leads a new process group
      procStart: processStartTicks(pid),
      address: ADDRESS,
      ...v,
      runnerId: this.runnerId,
    };
  }

  private async observeOne(instance: Instance): Promise<Observation> {
    if (instance.provider !== this.kind) return { status: 'gone', reason: `instance of provider "${instance.provider}", not local` };
    const located = await this.locate(instance);
    if (!located) return { status: 'gone' };
    const watched = this.watched.get(instance.id);
    const where = { address: instance.address, ports: instance.ports };
    const alive = isProcessAlive(located.pid, located.procStart) && !(hasProcfs && !located.procStart);
    if (watched) {
      if (!watched.exit && alive) return { status: watched.ready ? 'running' : 'starting', ...where };
      if (!watched.exit) await Promise.race([watched.exited, sleep(200)]);
      const exitCode = watched.exit?.code ?? undefined;
      const reason = watched.stopReason ? `stopped: ${watched.stopReason}` : describeExit(watched.exit);
      return { status: 'exited', reason, ...(exitCode !== undefined ? { exitCode } : {}) };
    }
    if (alive) return { status: 'running', ...where };
    if (located.record) {
      return {
        status: 'exited',
        reason: 'the process exited while the runner was not watching',
        hint: `its output is in ${located.record.logPath}`,
      };
    }
    return { status: 'gone' };
  }

  /** Finds the process of an instance: its record on disk when it matches, else its handle's meta. */
  private async locate(instance: Instance): Promise<Located | undefined> {
    const pgid = Number(instance.id);
    if (instance.provider !== this.kind || !isSafePid(pgid)) return undefined;
    const envId = instance.meta?.envId;
    const record = envId && ENV_ID_RE.test(envId) ? await this.records.read(envId) : undefined;
    if (record && record.pgid === pgid) return locatedFrom(record);
    const watched = this.watched.has(instance.id);
    // Without a record, only a handle that carries the process start time may be
    // signalled: a bare pid from elsewhere could name anyone's process by now.
    if (watched || (instance.meta?.pid && (instance.meta.procStart || !hasProcfs))) {
      const pid = Number(instance.meta?.pid ?? pgid);
      if (!isSafePid(pid)) return undefined;
      return {
        pid,
        pgid,
        procStart: instance.meta?.procStart,
        logPath: instance.meta?.logPath,
        logOffset: Number(instance.meta?.logOffset ?? 0) || 0,
      };
    }
    return undefined;
  }

  /** Why the instance's process is no longer running, or undefined while it runs. */
  private async exitDescription(located: Located, watched: Watched | undefined): Promise<string | undefined> {
    if (watched) {
      if (!watched.exit && isProcessAlive(located.pid, located.procStart)) return undefined;
      // Dead in /proc but the exit event not yet delivered: give libuv a moment to reap it.
      if (!watched.exit) await Promise.race([watched.exited, sleep(200)]);
      return describeExit(watched.exit);
    }
    return isProcessAlive(located.pid, located.procStart) ? undefined : 'the process exited while the runner was not watching';
  }

  /** SIGTERM to the whole group, SIGKILL after the grace, then wait until no member is left. */
  private async stopGroup(located: Pick<Located, 'pid' | 'pgid' | 'procStart'>): Promise<void> {
    const { pid, pgid, procStart } = located;
    // A pid is not reused while its process group exists, so if the leader's pid now
    // names a process that started at another time, our group is long gone.
    const leader = readProcStat(pid);
    if (leader && procStart && leader.startTicks !== procStart) return;
    if (!signalGroup(pgid, 'SIGTERM')) return;
    if (await waitFor(() => !isGroupAlive(pgid), this.graceMs)) return;
    signalGroup(pgid, 'SIGKILL');
    if (await waitFor(() => !isGroupAlive(pgid), KILL_WAIT_MS)) return;
    throw new ProviderError(
      `process group ${pgid} is still alive ${KILL_WAIT_MS / 1000} s after SIGKILL`,
      `a process in it may be stuck in the kernel; look at \`ps -o pid,stat,cmd -g ${pgid}\``,
    );
  }

  /** The last lines this start wrote, formatted to follow a failure reason. */
  private async outputTail(located: Located): Promise<string> {
    if (!located.logPath) return '';
    const lines = await tailLines(located.logPath, FAILURE_TAIL_LINES, located.logOffset);
    if (lines.length === 0) return ' (it wrote no output)';
    return `; last lines of its output:\n${lines.map((l) => `  ${l}`).join('\n')}`;
  }
}

function toInstance(r: InstanceRecord): Instance {
  const meta: Record<string, string> = {
    envId: r.envId,
    pid: String(r.pid),
    logPath: r.logPath,
    logOffset: String(r.logOffset),
    startedAt: r.startedAt,
    generation: String(r.generation),
  };
  if (r.procStart) meta.procStart = r.procStart;
  return { provider: 'local', id: String(r.pgid), address: r.address, ports: { ...r.ports }, meta };
}

function locatedFrom(r: InstanceRecord): Located {
  return { pid: r.pid, pgid: r.pgid, procStart: r.procStart, logPath: r.logPath, logOffset: r.logOffset, record: r };
}

/** Replaces `{port}` and `{home}` in each argument of a command. */
function substitute(command: readonly string[], v: { home: string; port?: number; template: string }): string[] {
  return command.map((arg) => {
    if (arg.includes('{port}') && v.port === undefined) {
      throw new ProviderError(`the command of template "${v.template}" uses {port} but the template declares no ports`, 'declare the port under `ports`');
    }
    return arg.replaceAll('{port}', String(v.port)).replaceAll('{home}', v.home);
  });
}

/**
 * The workload's environment: the template's variables, the inherited PATH (unless the
 * template sets one), and what Airlock provides, which the template cannot override.
 */
function workloadEnv(
  spec: Template,
  v: { home: string; ports: Record<string, number>; mainPort?: number; envId: string; name: string },
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin', ...spec.env };
  env.HOME = v.home;
  if (v.mainPort !== undefined) env.PORT = String(v.mainPort);
  for (const [declared, local] of Object.entries(v.ports)) env[`AIRLOCK_PORT_${declared}`] = String(local);
  env.AIRLOCK_ENV_NAME = v.name;
  env.AIRLOCK_ENV_ID = v.envId;
  return env;
}

function describeExit(exit: Watched['exit']): string {
  if (!exit) return 'the process exited';
  if (exit.signal) return `the process was killed by ${exit.signal}`;
  return `the process exited with code ${exit.code}`;
}

function checkEnvId(envId: string): string {
  if (!ENV_ID_RE.test(envId)) {
    throw new ProviderError(`environment id "${envId.slice(0, 60)}" cannot name a folder`, 'ids are letters, digits, `_`, `-` and `.`');
  }
  return envId;
}

function formatSeconds(ms: number): string {
  const s = ms / 1000;
  return `${Number.isInteger(s) ? s : s.toFixed(1)} s`;
}

/** Polls `check` every POLL_MS until it is true (→ true) or `ms` pass (→ false). */
async function waitFor(check: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (check()) return true;
    if (Date.now() >= deadline) return false;
    await sleep(Math.min(POLL_MS, Math.max(1, deadline - Date.now())));
  }
}
