import { parseArgs } from 'node:util';
import { clientFromEnvironment } from '../client.js';
import { printJson, printTable } from '../output.js';

type TemplateView = { name: string; description?: string; cpu: number; memory: number; ports: { port: number; name?: string; share: string }[]; idleTimeoutSeconds: number };

/** `airlock template list` */
export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' } } });
  if (values.help || (positionals[0] ?? 'list') !== 'list') {
    process.stdout.write('Usage: airlock template list [--json]\n');
    return values.help ? 0 : 2;
  }
  const { items } = await clientFromEnvironment().request<{ items: TemplateView[] }>('GET', '/templates');
  if (values.json) printJson(items);
  else
    printTable(
      ['NAME', 'CPU', 'MEMORY', 'PORTS', 'IDLE STOP', 'DESCRIPTION'],
      items.map((t) => [t.name, `${t.cpu / 1024} vCPU`, `${t.memory} MiB`, t.ports.map((p) => `${p.port}${p.name ? `(${p.name})` : ''}/${p.share}`).join(' ') || '-', t.idleTimeoutSeconds ? `${Math.round(t.idleTimeoutSeconds / 60)} min` : 'never', t.description ?? '']),
    );
  return 0;
}
