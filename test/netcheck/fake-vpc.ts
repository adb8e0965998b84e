/**
 * Child process run inside the test's "vpc" network namespace: the VPC's DNS resolver
 * (a real DNS server) and the endpoints (real TCP listeners). Prints one JSON line
 * `{"event":"ready"}` when listening and `{"event":"connection","address":…,"port":…}`
 * per accepted connection; exits when its stdin closes.
 */
import { createServer, type Server } from 'node:net';
import { startDnsServer, type DnsRecord } from '../helpers/dns-server.js';

export interface FakeVpcConfig {
  dns: { address: string; port: number; records: Record<string, DnsRecord>; delayMs?: number };
  /** TCP listeners, each on one address. */
  listeners: { address: string; port: number }[];
}

const config = JSON.parse(process.argv[2] ?? '{}') as FakeVpcConfig;
const emit = (o: object) => process.stdout.write(`${JSON.stringify(o)}\n`);

const dns = await startDnsServer(config.dns);
const servers: Server[] = await Promise.all(
  config.listeners.map(
    (l) =>
      new Promise<Server>((resolve, reject) => {
        const s = createServer((sock) => {
          emit({ event: 'connection', address: l.address, port: l.port });
          sock.on('error', () => {});
          sock.end();
        });
        s.once('error', reject);
        s.listen(l.port, l.address, () => resolve(s));
      }),
  ),
);
emit({ event: 'ready', dns: dns.server });

const shutdown = () => {
  for (const s of servers) s.close();
  void dns.close().then(() => process.exit(0));
};
process.stdin.on('end', shutdown);
process.stdin.on('close', shutdown);
process.stdin.resume();
process.on('SIGTERM', shutdown);
