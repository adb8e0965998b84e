import { parseArgs } from 'node:util';
import type { EnvironmentDto } from '../../orchestrator/api/dto.js';
import { ApiClient, clientFromEnvironment } from '../client.js';
import { ago, colour, printJson, printTable, type Colour } from '../output.js';

const HELP = `Usage: airlock env <command> [options]

Commands:
  create <name> --template <t>   create an environment and start it (waits until running)
  list                           list environments (admins: --all for everyone's)
  show <name>                    one environment: state, ports, timeline
  start <name>                   start a stopped environment (waits until running)
  stop <name>                    stop an environment; its home folder is kept
  delete <name>                  delete an environment and its home folder
  logs <name>                    print its output (--follow to stream, --tail N)

Options:
  --json         machine-readable output (read commands and create/start/stop/delete)
  --no-wait      return as soon as the runner accepted the request
  --timeout <s>  how long to wait for running/stopped (default 120)`;

type Timeline = { items: { at: string; type: string; message: string; sincePreviousMs: number }[] };

/** `airlock env …` */
export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      template: { type: 'string', short: 't' },
      json: { type: 'boolean', default: false },
      'no-wait': { type: 'boolean', default: false },
      timeout: { type: 'string', default: '120' },
      all: { type: 'boolean', default: false },
      owner: { type: 'string' },
      state: { type: 'string' },
      follow: { type: 'boolean', short: 'f', default: false },
      tail: { type: 'string', default: '100' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [sub, name, ...extra] = positionals;
  if (values.help || !sub) {
    process.stdout.write(`${HELP}\n`);
    return values.help ? 0 : 2;
  }
  if (extra.length > 0) return usageError(`unexpected argument "${extra[0]}"`);
  const timeoutMs = Number(values.timeout) * 1000;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) return usageError('--timeout must be a number of seconds');
  const needsName = sub !== 'list';
  if (needsName && !name) return usageError(`airlock env ${sub} needs an environment name`);
  const client = clientFromEnvironment();
  const path = name ? `/environments/${encodeURIComponent(name)}` : '';
  const wait = !values['no-wait'];

  switch (sub) {
    case 'list': {
      const q = new URLSearchParams();
      if (values.owner) q.set('owner', values.owner);
      if (values.state) for (const s of values.state.split(',')) q.append('state', s);
      const { items } = await client.request<{ items: EnvironmentDto[] }>('GET', `/environments${q.size ? `?${q}` : ''}`);
      if (values.json) printJson(items);
      else printList(items);
      return 0;
    }
    case 'show': {
      const env = await client.request<EnvironmentDto>('GET', path);
      const events = await client.request<Timeline>('GET', `${path}/events`);
      if (values.json) printJson({ ...env, events: events.items });
      else printShow(env, events);
      return 0;
    }
    case 'create': {
      if (!values.template) return usageError('airlock env create needs --template <name> (see `airlock template list`)');
      const env = await client.request<EnvironmentDto>('POST', '/environments', { name, template: values.template });
      return finish(client, env, 'running', wait, values.json, timeoutMs);
    }
    case 'start': {
      const env = await client.request<EnvironmentDto>('POST', `${path}/start`);
      return finish(client, env, 'running', wait, values.json, timeoutMs);
    }
    case 'stop': {
      const env = await client.request<EnvironmentDto>('POST', `${path}/stop`);
      return finish(client, env, 'stopped', wait, values.json, timeoutMs);
    }
    case 'delete': {
      const env = await client.request<EnvironmentDto>('DELETE', path);
      return finish(client, env, 'deleted', wait, values.json, timeoutMs);
    }
    case 'logs':
      return streamLogs(client, path, values.follow, values.tail);
    default:
      return usageError(`unknown command "env ${sub}"`);
  }
}

function usageError(message: string): number {
  process.stderr.write(`error: ${message}\n\n${HELP}\n`);
  return 2;
}

const STATE_COLOURS: Record<string, Colour> = {
  running: 'green', starting: 'yellow', pending: 'yellow', stopping: 'yellow', stopped: 'grey', failed: 'red', deleting: 'yellow', deleted: 'grey',
};

function state(s: string): string {
  return colour(STATE_COLOURS[s] ?? 'bold', s);
}

function printList(items: EnvironmentDto[]): void {
  printTable(
    ['NAME', 'TEMPLATE', 'STATE', 'OWNER', 'CREATED', 'LAST ACTIVE', 'URL'],
    items.map((e) => [e.name, e.template, state(e.state), e.owner, ago(e.createdAt), ago(e.lastActiveAt), e.state === 'running' ? e.url : '-']),
    'No environments yet. Create one with: airlock env create demo --template demo',
  );
}

function printShow(env: EnvironmentDto, events: Timeline): void {
  const rows: [string, string][] = [
    ['Name', env.name],
    ['State', `${state(env.state)}${env.reason ? ` (${env.reason})` : ''}`],
    ['Template', env.template],
    ['Owner', env.owner],
    ['URL', env.url],
    ['Created', `${env.createdAt} (${ago(env.createdAt)})`],
    ['Last active', ago(env.lastActiveAt)],
    ['Idle stop', env.idleStopAt ? `${env.idleStopAt} (after ${env.idleTimeoutSeconds} s idle)` : env.idleTimeoutSeconds ? '-' : 'never'],
  ];
  if (env.instance?.address) rows.push(['Address', `${env.instance.address} ${Object.entries(env.instance.ports ?? {}).map(([d, a]) => `${d}→${a}`).join(' ')}`]);
  for (const [k, v] of rows) process.stdout.write(`${colour('bold', k.padEnd(12))} ${v}\n`);
  process.stdout.write(`\n${colour('bold', 'Ports')}\n`);
  printTable(['PORT', 'NAME', 'SHARE', 'URL'], env.ports.map((p) => [String(p.port), p.name ?? '-', p.share, p.url]), '  (none declared)');
  process.stdout.write(`\n${colour('bold', 'Timeline')}\n`);
  printTable(['AT', 'STEP', '+MS', 'WHAT'], events.items.map((e) => [e.at.slice(11, 23), e.type, String(e.sincePreviousMs), e.message]));
}

/** Waits (showing each step of the timeline as it happens) until the environment reaches `target` or fails. */
async function finish(client: ApiClient, env: EnvironmentDto, target: string, wait: boolean, json: boolean, timeoutMs: number): Promise<number> {
  if (!wait) {
    if (json) printJson(env);
    else process.stdout.write(`${env.name}: ${state(env.state)}\n`);
    return 0;
  }
  const path = `/environments/${encodeURIComponent(env.name)}`;
  const deadline = Date.now() + timeoutMs;
  let shown = 0;
  let current: EnvironmentDto | undefined = env;
  for (;;) {
    if (!json && target !== 'deleted') {
      const { items } = await client.request<Timeline>('GET', `${path}/events`).catch(() => ({ items: [] }) as Timeline);
      for (const e of items.slice(shown)) {
        const mark = e.type === 'failed' ? colour('red', '✗') : colour('green', '✓');
        process.stdout.write(`  ${mark} ${e.type.padEnd(12)} ${colour('grey', `+${e.sincePreviousMs} ms`.padStart(10))}  ${e.message}\n`);
      }
      shown = Math.max(shown, items.length);
    }
    if (target === 'deleted' && current === undefined) break;
    if (current && (current.state === target || current.state === 'failed')) break;
    if (Date.now() > deadline) {
      process.stderr.write(`error: ${env.name} is still ${current?.state ?? 'deleting'} after ${timeoutMs / 1000} s; check \`airlock env show ${env.name}\`\n`);
      return 1;
    }
    await new Promise((r) => setTimeout(r, 100));
    try {
      current = await client.request<EnvironmentDto>('GET', path);
    } catch (err) {
      if ((err as { status?: number }).status === 404 && target === 'deleted') current = undefined;
      else throw err;
    }
  }
  if (json) {
    printJson(current ?? { name: env.name, state: 'deleted' });
  } else if (!current) {
    process.stdout.write(`${env.name}: ${state('deleted')}\n`);
  } else if (current.state === 'failed') {
    process.stderr.write(`${env.name}: ${state('failed')}: ${current.reason ?? 'no reason recorded'}\n`);
  } else {
    process.stdout.write(`${env.name}: ${state(current.state)}${current.state === 'running' ? `  ${current.url}` : ''}\n`);
  }
  return current?.state === 'failed' && target !== 'failed' ? 1 : 0;
}

async function streamLogs(client: ApiClient, path: string, follow: boolean, tail: string): Promise<number> {
  if (!/^\d+$/.test(tail)) return usageError('--tail must be a number of lines');
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  process.once('SIGINT', onSignal);
  try {
    const res = await client.stream(`${path}/logs?tail=${tail}&follow=${follow}`, abort.signal);
    for await (const chunk of res) process.stdout.write(chunk as Buffer);
  } catch (err) {
    if ((err as Error).name !== 'AbortError') throw err;
  } finally {
    process.off('SIGINT', onSignal);
  }
  return 0;
}
