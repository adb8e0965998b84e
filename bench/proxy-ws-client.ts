/**
 * WebSocket load for the proxy benchmark, as its own process:
 * - `echo`: N connections, each sends a message and waits for its echo, for D ms;
 *   prints `{ messages, rate }`.
 * - `idle`: opens N connections, prints `{ open }`, then holds them until stdin closes.
 * `node proxy-ws-client.js '<json plan>'`.
 */
import WebSocket from 'ws';

interface Plan {
  mode: 'echo' | 'idle';
  url: string;
  headers: Record<string, string>;
  connections: number;
  durationMs?: number;
  messageBytes?: number;
}

function openOne(plan: Plan): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(plan.url, { headers: plan.headers, perMessageDeflate: false });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
  });
}

async function openAll(plan: Plan): Promise<WebSocket[]> {
  const out: WebSocket[] = [];
  // In batches, so the accept queues are not flooded.
  for (let i = 0; i < plan.connections; i += 100) {
    const batch = Math.min(100, plan.connections - i);
    out.push(...(await Promise.all(Array.from({ length: batch }, () => openOne(plan)))));
  }
  return out;
}

async function main(): Promise<void> {
  const plan = JSON.parse(process.argv[2]!) as Plan;
  const sockets = await openAll(plan);
  if (plan.mode === 'idle') {
    process.stdout.write(`${JSON.stringify({ open: sockets.length })}\n`);
    process.stdin.resume();
    process.stdin.on('end', () => process.exit(0));
    process.stdin.on('close', () => process.exit(0));
    return;
  }
  const payload = Buffer.alloc(plan.messageBytes ?? 64, 120);
  let messages = 0;
  let running = true;
  for (const ws of sockets) {
    ws.on('message', () => {
      messages++;
      if (running) ws.send(payload);
    });
  }
  const started = Date.now();
  for (const ws of sockets) ws.send(payload);
  await new Promise((r) => setTimeout(r, plan.durationMs ?? 5000));
  running = false;
  const elapsed = (Date.now() - started) / 1000;
  process.stdout.write(`${JSON.stringify({ messages, rate: messages / elapsed })}\n`);
  for (const ws of sockets) ws.terminate();
  process.exit(0);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
