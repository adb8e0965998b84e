/**
 * The `airlock` command. Each subcommand lives in its own module under commands/
 * and is imported only when run, so `airlock --version` and `airlock env list`
 * never load the runner, the AWS SDK or aws-cdk-lib.
 */
import { isUserError } from '../core/errors.js';

export type CommandModule = { run(args: string[]): Promise<number> };

const COMMANDS: Record<string, { summary: string; load: () => Promise<CommandModule> }> = {
  up: { summary: 'start the runner on this machine (API, dashboard, proxy)', load: () => import('./commands/up.js') },
  env: { summary: 'create, list, show, start, stop, delete environments; read their logs', load: () => import('./commands/env.js') },
  template: { summary: 'list the templates the runner offers', load: () => import('./commands/template.js') },
  login: { summary: 'save the runner URL and a token for later commands', load: () => import('./commands/login.js') },
  token: { summary: 'create, list and revoke API tokens', load: () => import('./commands/token.js') },
  proxy: { summary: 'run only the environment proxy (reads routes from the store)', load: () => import('./commands/proxy.js') },
  netcheck: { summary: 'check this machine\'s network path to every AWS endpoint Airlock needs', load: () => import('./commands/netcheck.js') },
  synth: { summary: 'write the CloudFormation templates for an AWS deployment', load: () => import('./commands/synth.js') },
  deploy: { summary: 'deploy Airlock to an AWS account (needs AWS credentials)', load: () => import('./commands/deploy.js') },
  destroy: { summary: 'remove an Airlock deployment from an AWS account', load: () => import('./commands/destroy.js') },
};

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((k) => k.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return `Usage: airlock <command> [options]\n\nCommands:\n${lines.join('\n')}\n\nRun \`airlock <command> --help\` for a command's options.`;
}

/** Runs the CLI and returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === '--version' || first === '-v' || first === 'version') {
    const { VERSION } = await import('../core/version.js');
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  if (!first || first === '--help' || first === '-h' || first === 'help') {
    process.stdout.write(`${usage()}\n`);
    return first ? 0 : 2;
  }
  const cmd = COMMANDS[first];
  if (!cmd) {
    process.stderr.write(`airlock: unknown command "${first}"\n\n${usage()}\n`);
    return 2;
  }
  try {
    return await (await cmd.load()).run(rest);
  } catch (err) {
    if (isUserError(err)) {
      process.stderr.write(`error: ${err.message}\n`);
      return 1;
    }
    if (err instanceof Error && (err as NodeJS.ErrnoException).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      process.stderr.write(`error: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
}
