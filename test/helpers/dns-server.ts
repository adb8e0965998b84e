/**
 * A real DNS server for tests (UDP, dns2): answers chosen names with chosen A and
 * AAAA records, NXDOMAIN for unknown names, and can delay or drop answers.
 */
import { createUDPServer, Packet, type Resource } from 'dns2';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';

export interface DnsRecord {
  A?: string[];
  AAAA?: string[];
  /** Answer with this error code instead of records. */
  rcode?: 'NXDOMAIN' | 'SERVFAIL' | 'REFUSED';
  /** Never answer (the client times out); `'A'` or `'AAAA'` drops only questions of that type. */
  drop?: boolean | 'A' | 'AAAA';
  /** Extra delay before answering, in milliseconds (adds to the server's delay). */
  delayMs?: number;
}

export interface DnsServerOptions {
  /** Name → answer. Names not listed get NXDOMAIN. */
  records?: Record<string, DnsRecord>;
  /** @default 127.0.0.1 */
  address?: string;
  /** @default 0 (a free port) */
  port?: number;
  /** Delay before every answer, in milliseconds. @default 0 */
  delayMs?: number;
}

export interface FakeDnsServer {
  address: string;
  port: number;
  /** `host:port` / `[v6]:port` for Resolver.setServers and `--resolver`. */
  server: string;
  /** Every question received, in order. */
  queries: { name: string; type: 'A' | 'AAAA' | 'other'; at: number }[];
  /** Adds or replaces the answer for a name. */
  set(name: string, record: DnsRecord): void;
  close(): Promise<void>;
}

const RCODES = { NXDOMAIN: 3, SERVFAIL: 2, REFUSED: 5 } as const;

/** Starts the server and resolves once it is listening. */
export async function startDnsServer(opts: DnsServerOptions = {}): Promise<FakeDnsServer> {
  const records = new Map<string, DnsRecord>();
  for (const [name, r] of Object.entries(opts.records ?? {})) records.set(name.toLowerCase(), r);
  const address = opts.address ?? '127.0.0.1';
  const queries: FakeDnsServer['queries'] = [];
  const pending = new Set<NodeJS.Timeout>();
  const server = createUDPServer({ type: address.includes(':') ? 'udp6' : 'udp4' });

  server.on('request', (request, send) => {
    const q = request.questions[0];
    if (!q) return;
    const name = q.name.toLowerCase();
    const type = q.type === Packet.TYPE.A ? 'A' : q.type === Packet.TYPE.AAAA ? 'AAAA' : 'other';
    queries.push({ name, type, at: performance.now() });
    const record = records.get(name);
    if (record?.drop === true || record?.drop === type) return;
    const response = Packet.createResponseFromRequest(request);
    if (!record) response.header.rcode = RCODES.NXDOMAIN;
    else if (record.rcode) response.header.rcode = RCODES[record.rcode];
    else if (type !== 'other') {
      for (const a of record[type] ?? []) {
        response.answers.push({ name: q.name, type: Packet.TYPE[type], class: Packet.CLASS.IN, ttl: 60, address: a } as Resource);
      }
    }
    const delay = (opts.delayMs ?? 0) + (record?.delayMs ?? 0);
    if (delay <= 0) {
      void send(response).catch(() => {});
      return;
    }
    const t = setTimeout(() => {
      pending.delete(t);
      void send(response).catch(() => {});
    }, delay);
    pending.add(t);
  });

  await server.listen(opts.port ?? 0, address);
  const port = (server.address() as AddressInfo).port;
  return {
    address,
    port,
    server: address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`,
    queries,
    set(name, record) {
      records.set(name.toLowerCase(), record);
    },
    close() {
      for (const t of pending) clearTimeout(t);
      pending.clear();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
