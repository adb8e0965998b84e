import { parseArgs } from 'node:util';
import { clientFromEnvironment } from '../client.js';
import { ago, printJson, printTable } from '../output.js';

type TokenView = { id: string; user: string; label: string; createdAt: string; expiresAt?: string; revokedAt?: string; lastUsedAt?: string };

const HELP = `Usage: airlock token <command>

  create [--label l] [--expires-in 30d] [--user u]   create a token (shown once)
  list [--user u] [--json]                          list tokens (admins: any user's)
  revoke <id>                                       revoke a token
  user-create <name> [--role member|admin]          create a user and its first token (admins)`;

/** `airlock token …` */
export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      label: { type: 'string' },
      'expires-in': { type: 'string' },
      user: { type: 'string' },
      role: { type: 'string', default: 'member' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [sub, arg] = positionals;
  if (values.help || !sub) {
    process.stdout.write(`${HELP}\n`);
    return values.help ? 0 : 2;
  }
  const client = clientFromEnvironment();
  switch (sub) {
    case 'create': {
      const r = await client.request<{ token: TokenView; secret: string }>('POST', '/tokens', {
        ...(values.label ? { label: values.label } : {}),
        ...(values['expires-in'] ? { expiresIn: values['expires-in'] } : {}),
        ...(values.user ? { user: values.user } : {}),
      });
      if (values.json) printJson(r);
      else process.stdout.write(`${r.secret}\n(token ${r.token.id} for ${r.token.user}; shown once)\n`);
      return 0;
    }
    case 'list': {
      const { items } = await client.request<{ items: TokenView[] }>('GET', `/tokens${values.user ? `?user=${encodeURIComponent(values.user)}` : ''}`);
      if (values.json) printJson(items);
      else printTable(['ID', 'USER', 'LABEL', 'CREATED', 'EXPIRES', 'LAST USED', 'STATUS'], items.map((t) => [t.id, t.user, t.label, ago(t.createdAt), t.expiresAt ?? 'never', ago(t.lastUsedAt), t.revokedAt ? 'revoked' : 'active']));
      return 0;
    }
    case 'revoke': {
      if (!arg) {
        process.stderr.write('error: airlock token revoke needs a token id (see `airlock token list`)\n');
        return 2;
      }
      await client.request('DELETE', `/tokens/${encodeURIComponent(arg)}`);
      process.stdout.write(`revoked ${arg}\n`);
      return 0;
    }
    case 'user-create': {
      if (!arg) {
        process.stderr.write('error: airlock token user-create needs a user name\n');
        return 2;
      }
      const r = await client.request<{ user: { name: string; role: string }; token: string }>('POST', '/users', { name: arg, role: values.role });
      if (values.json) printJson(r);
      else process.stdout.write(`created ${r.user.role} ${r.user.name}; their token (shown once):\n${r.token}\n`);
      return 0;
    }
    default:
      process.stderr.write(`error: unknown command "token ${sub}"\n\n${HELP}\n`);
      return 2;
  }
}
