/**
 * `airlock netcheck`: runs the runner's network readiness check once from this
 * machine and prints a table. Exit code 0 when ready, 1 when degraded, 2 for bad arguments.
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { DEPLOYMENT_MODES } from '../../core/config.js';
import { DEFAULT_FEATURES, FEATURES, isRegion, type Feature } from '../../netcheck/catalog.js';
import { runNetcheck } from '../../netcheck/check.js';
import { reasonText } from '../../netcheck/classify.js';
import type { EndpointResult, NetcheckReport } from '../../netcheck/report.js';
import { colour, printJson, printTable } from '../output.js';

const HELP = `Usage: airlock netcheck [options]

Checks this machine's path to every AWS endpoint Airlock needs: resolves each name
(A and AAAA), then opens a direct TCP connection to port 443 (HTTP(S)_PROXY is ignored).

Options:
  --region <region>      AWS Region (default: $AWS_REGION, $AWS_DEFAULT_REGION, us-east-1)
  --mode <mode>          ${DEPLOYMENT_MODES.join(' | ')} (default: isolated)
  --features <list>      comma-separated features whose endpoints are required
                         (default: ${DEFAULT_FEATURES.join(',')}; all: ${FEATURES.join(',')})
  --all                  also check endpoints no enabled feature needs (not required)
  --capacity <c>         fargate | ec2 (default: fargate)
  --account <id>         12-digit account id, for <account>.dkr.ecr.<region>.… host names
  --resolver <host:port> send every DNS question to this server instead of the system's
  --timeout <ms>         bound on the whole check (default: 3000)
  --port <port>          TCP port to connect to (default: 443)
  --json                 print the report as JSON
  -h, --help             show this help

Exit status: 0 ready, 1 degraded, 2 bad arguments.`;

const argsSchema = z.object({
  region: z.string().refine(isRegion, { message: 'is not an AWS Region name (like eu-west-1)' }),
  mode: z.enum(DEPLOYMENT_MODES),
  features: z.array(z.enum(FEATURES)).optional(),
  capacity: z.enum(['fargate', 'ec2']),
  account: z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account id').optional(),
  resolver: z
    .string()
    .regex(/^(\d{1,3}(\.\d{1,3}){3}(:\d{1,5})?|\[[0-9a-fA-F:.]+\]:\d{1,5}|[0-9a-fA-F:]+)$/, 'must be an IP address with an optional port, like 10.0.0.2:53 or [fd00::2]:53')
    .optional(),
  timeout: z.coerce.number().int('must be whole milliseconds').min(1, 'must be at least 1 ms').max(600_000, 'must be at most 600000 ms (10 minutes)'),
  port: z.coerce.number().int().min(1).max(65535),
});

/** Entry point of `airlock netcheck`. */
export async function run(args: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        region: { type: 'string' },
        mode: { type: 'string', default: 'isolated' },
        features: { type: 'string' },
        all: { type: 'boolean', default: false },
        capacity: { type: 'string', default: 'fargate' },
        account: { type: 'string' },
        resolver: { type: 'string' },
        timeout: { type: 'string', default: '3000' },
        port: { type: 'string', default: '443' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    process.stderr.write(`error: ${(err as Error).message}\n\n${HELP}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }

  const parsed = argsSchema.safeParse({
    region: values.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
    mode: values.mode,
    features: values.features === undefined ? undefined : values.features.split(',').map((s) => s.trim()).filter(Boolean),
    capacity: values.capacity,
    account: values.account,
    resolver: values.resolver,
    timeout: values.timeout,
    port: values.port,
  });
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  --${i.path[0] !== undefined ? String(i.path[0]) : '?'}: ${i.message}`);
    process.stderr.write(`error: invalid options:\n${lines.join('\n')}\nRun \`airlock netcheck --help\` for usage.\n`);
    return 2;
  }
  const a = parsed.data;

  const report = await runNetcheck({
    region: a.region,
    mode: a.mode,
    features: a.features as Feature[] | undefined,
    capacity: a.capacity,
    account: a.account,
    includeOptional: values.all,
    resolver: a.resolver,
    timeoutMs: a.timeout,
    port: a.port,
  });

  if (values.json) printJson(report);
  else printReport(report);
  return report.status === 'ready' ? 0 : 1;
}

/** The human-readable form: one row per endpoint, then the fixes and notes. */
export function printReport(report: NetcheckReport): void {
  const who = report.task.hasPublicIp ? 'has a public IP' : 'no public IP';
  process.stdout.write(
    `Network check for ${report.region} (${report.partition}), mode ${report.mode}, DNS ${report.resolvers.join(', ') || 'system'}, task ${who}\n\n`,
  );
  printTable(
    ['ENDPOINT', 'HOST', 'ACCESS', 'LATENCY', 'STATUS'],
    report.endpoints.map((e) => [
      e.required ? e.id : `${e.id} (optional)`,
      e.hostname,
      e.access,
      latency(e),
      status(e),
    ]),
  );
  const fixes = report.endpoints.filter((e) => e.fix);
  if (fixes.length) {
    process.stdout.write(`\nFixes:\n${fixes.map((e) => `  ${e.id}: ${e.fix}`).join('\n')}\n`);
  }
  const notes = report.endpoints.filter((e) => e.note);
  if (notes.length) {
    process.stdout.write(`\nNotes:\n${notes.map((e) => `  ${e.id}: ${e.note}`).join('\n')}\n`);
  }
  const s = report.summary;
  const verdict = report.status === 'ready' ? colour('green', 'READY') : colour('red', 'DEGRADED');
  process.stdout.write(
    `\n${verdict}: ${s.reachable}/${s.endpoints} endpoints reachable, ${s.failedRequired} required failing (checked in ${Math.round(report.durationMs)} ms, timeout ${report.timeoutMs} ms)\n`,
  );
}

function latency(e: EndpointResult): string {
  if (e.status !== 'ok') return e.dnsMs === null ? '-' : `dns ${Math.round(e.dnsMs)} ms`;
  return `${Math.round((e.dnsMs ?? 0) + (e.connectMs ?? 0))} ms`;
}

function status(e: EndpointResult): string {
  if (e.status === 'ok') return colour('green', 'ok');
  const text = `FAIL: ${reasonText(e.reason ?? 'connect_error')}`;
  return e.required ? colour('red', text) : colour('yellow', text);
}
