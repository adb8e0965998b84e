/**
 * Network namespaces for tests: a private network stack per namespace, so tests can
 * give themselves "AWS" addresses (10.x, 198.51.100.x…) and routes without touching
 * this machine's own network. Everything created here is deleted by `destroy()`, and
 * by an exit hook if a test dies first.
 */
import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';

const live = new Set<Netns>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const ns of live) {
      for (const c of ns.children) c.kill('SIGKILL');
      spawnSync('ip', ['netns', 'del', ns.name], { stdio: 'ignore' });
    }
  });
}

function ip(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`ip ${args.join(' ')} failed (${code}): ${err.trim()}`))));
  });
}

/** Why network namespaces cannot be used here, or undefined when they can. */
export async function netnsUnavailableReason(): Promise<string | undefined> {
  const name = `airlock-probe-${process.pid}-${randomBytes(3).toString('hex')}`;
  try {
    await ip(['netns', 'add', name]);
  } catch (err) {
    return `network namespaces are not available (\`ip netns add\` refused: ${(err as Error).message}); run the tests as root on Linux with iproute2 to include them`;
  }
  await ip(['netns', 'del', name]).catch(() => {});
  return undefined;
}

/** One network namespace with its loopback up. */
export class Netns {
  readonly children = new Set<ChildProcess>();

  private constructor(readonly name: string) {}

  /** Creates a namespace named `airlock-<tag>-<pid>-<random>`. */
  static async create(tag: string): Promise<Netns> {
    installExitHook();
    const ns = new Netns(`airlock-${tag}-${process.pid}-${randomBytes(3).toString('hex')}`);
    await ip(['netns', 'add', ns.name]);
    live.add(ns);
    await ns.ip('link', 'set', 'lo', 'up');
    return ns;
  }

  /** Runs `ip -n <name> …`. */
  ip(...args: string[]): Promise<void> {
    return ip(['-n', this.name, ...args]);
  }

  /** Starts a command inside the namespace; it is killed by `destroy()`. */
  spawn(command: string, args: string[], opts: SpawnOptions = {}): ChildProcess {
    const child = spawn('ip', ['netns', 'exec', this.name, command, ...args], { stdio: 'pipe', ...opts });
    this.children.add(child);
    child.once('exit', () => this.children.delete(child));
    return child;
  }

  /** Kills what runs inside and deletes the namespace (its interfaces and routes go with it). */
  async destroy(): Promise<void> {
    await Promise.all(
      [...this.children].map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.exitCode !== null || c.signalCode !== null) return resolve();
            c.once('exit', () => resolve());
            c.kill('SIGKILL');
          }),
      ),
    );
    await ip(['netns', 'del', this.name]).catch(() => {});
    live.delete(this);
  }
}

/** Links two namespaces with a veth pair, created directly inside them (nothing appears in the host's namespace). */
export async function linkVeth(a: Netns, aName: string, b: Netns, bName: string): Promise<void> {
  await ip(['link', 'add', 'name', aName, 'netns', a.name, 'type', 'veth', 'peer', 'name', bName, 'netns', b.name]);
  await a.ip('link', 'set', aName, 'up');
  await b.ip('link', 'set', bName, 'up');
}

/**
 * Node arguments that run a script module beside the caller, whether the tests run
 * from TypeScript (tsx) or compiled JavaScript: `scriptFor(import.meta.url, './x.js')`.
 */
export function nodeArgsFor(callerUrl: string, relative: string): string[] {
  const fromTs = callerUrl.endsWith('.ts');
  const path = fileURLToPath(new URL(fromTs ? relative.replace(/\.js$/, '.ts') : relative, callerUrl));
  return fromTs ? ['--import', 'tsx', path] : [path];
}
