/**
 * A closed-loop HTTP load generator, run as its own process so it does not share the
 * server's event loop: `node load-client.js <json>` with { url paths, tokens, concurrency,
 * durationMs }. Prints { requests, errors, rps, p50, p99 } as JSON.
 */
import { Agent, request } from 'node:http';

interface Plan {
  base: string;
  /** Each client cycles through these paths. `{i}` is the client number. */
  paths: string[];
  /** One token per client (cycled). */
  tokens: string[];
  concurrency: number;
  durationMs: number;
}

async function main(): Promise<void> {
  const plan = JSON.parse(process.argv[2]!) as Plan;
  const url = new URL(plan.base);
  const agent = new Agent({ keepAlive: true, maxSockets: plan.concurrency });
  const latencies: number[] = [];
  let errors = 0;
  const end = Date.now() + plan.durationMs;
  const one = (path: string, token: string) =>
    new Promise<void>((done) => {
      const t0 = process.hrtime.bigint();
      const req = request({ host: url.hostname, port: url.port, path, agent, headers: { authorization: `Bearer ${token}` } }, (res) => {
        res.resume();
        res.on('end', () => {
          if (res.statusCode !== 200) errors++;
          latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
          done();
        });
      });
      req.on('error', () => {
        errors++;
        done();
      });
      req.end();
    });
  const t0 = Date.now();
  await Promise.all(
    Array.from({ length: plan.concurrency }, async (_, i) => {
      const token = plan.tokens[i % plan.tokens.length]!;
      let n = 0;
      while (Date.now() < end) {
        const path = plan.paths[n++ % plan.paths.length]!.replace('{i}', String(i));
        await one(path, token);
      }
    }),
  );
  const elapsed = (Date.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.ceil((p / 100) * latencies.length) - 1)] ?? NaN;
  process.stdout.write(JSON.stringify({ requests: latencies.length, errors, rps: latencies.length / elapsed, p50: pct(50), p99: pct(99) }));
  agent.destroy();
}

void main();
