import { parseArgs } from 'node:util';
import { createInterface } from 'node:readline/promises';
import { ApiClient } from '../client.js';
import { writeCliConfig } from '../cli-config.js';

/** `airlock login [--url u] [--token t]`: checks the token against the runner, then saves both. */
export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { url: { type: 'string' }, token: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    process.stdout.write('Usage: airlock login [--url http://localhost:7080] [--token <token>]\n\nWithout --token, reads it from AIRLOCK_TOKEN or asks for it.\n');
    return 0;
  }
  const url = (values.url ?? process.env.AIRLOCK_URL ?? 'http://localhost:7080').replace(/\/+$/, '');
  let token = values.token ?? process.env.AIRLOCK_TOKEN;
  if (!token) {
    if (!process.stdin.isTTY) {
      process.stderr.write('error: no token: pass --token or set AIRLOCK_TOKEN\n');
      return 2;
    }
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    token = (await rl.question('Token: ')).trim();
    rl.close();
  }
  const me = await new ApiClient(url, token).request<{ name: string; role: string }>('GET', '/me');
  const path = await writeCliConfig({ url, token });
  process.stdout.write(`Logged in to ${url} as ${me.name} (${me.role}); saved in ${path}\n`);
  return 0;
}
