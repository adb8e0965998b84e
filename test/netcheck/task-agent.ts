/**
 * Child process run inside the test's "task" network namespace. Runs `airlock netcheck`
 * (the CLI command module, in this process) once per JSON line on stdin
 * `{"id":1,"args":[…],"env":{…}}` and answers `{"id":1,"code":0,"stdout":"…"}`.
 * One long-lived process instead of one per check keeps the tests fast.
 */
import { createInterface } from 'node:readline';
import { run } from '../../src/cli/commands/netcheck.js';

interface Job {
  id: number;
  args: string[];
  env?: Record<string, string>;
}

const write = process.stdout.write.bind(process.stdout);
const lines = createInterface({ input: process.stdin });
let queue = Promise.resolve();

lines.on('line', (line) => {
  const job = JSON.parse(line) as Job;
  queue = queue.then(() => runJob(job));
});
lines.on('close', () => void queue.then(() => process.exit(0)));

async function runJob(job: Job): Promise<void> {
  const saved = new Map(Object.keys(job.env ?? {}).map((k) => [k, process.env[k]]));
  Object.assign(process.env, job.env ?? {});
  let out = '';
  // The command prints with process.stdout.write; collect it for this job.
  process.stdout.write = ((chunk: string | Uint8Array) => {
    out += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
    return true;
  }) as typeof process.stdout.write;
  let code: number;
  try {
    code = await run(job.args);
  } catch (err) {
    out += String(err instanceof Error ? err.stack : err);
    code = -1;
  } finally {
    process.stdout.write = write;
    for (const [k, v] of saved) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
  write(`${JSON.stringify({ id: job.id, code, stdout: out })}\n`);
}
