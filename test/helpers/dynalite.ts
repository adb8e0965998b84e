import { createRequire } from 'node:module';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';

/** The part of dynalite's factory the tests use (the package ships no types). */
type DynaliteFactory = (options: {
  createTableMs?: number;
  deleteTableMs?: number;
  updateTableMs?: number;
  path?: string;
}) => Server;

const require = createRequire(import.meta.url);

/** A running in-process dynalite server on a loopback port. */
export interface Dynalite {
  /** `http://127.0.0.1:<port>`. */
  endpoint: string;
  region: string;
  /** Fake static credentials: dynalite checks only that a request is signed. */
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** A new SDK client for this server (closed by `close()`). */
  client(): DynamoDBClient;
  /** Destroys the clients handed out, then stops the server. */
  close(): Promise<void>;
}

/** Starts dynalite in memory on a free loopback port, with no table-state delays. */
export async function startDynalite(): Promise<Dynalite> {
  const dynalite = require('dynalite') as DynaliteFactory;
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  // Node closes idle keep-alive sockets after 5 s; a client reusing one at that moment
  // gets ECONNRESET, and a burst of those drains the SDK's retry quota. Keep them open:
  // close() ends them all.
  server.keepAliveTimeout = 0;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const region = 'us-east-1';
  const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
  const clients: DynamoDBClient[] = [];
  return {
    endpoint,
    region,
    credentials,
    client() {
      // Never fall back to the default credential chain: it may probe the instance metadata service.
      const c = new DynamoDBClient({ endpoint, region, credentials, maxAttempts: 3 });
      clients.push(c);
      return c;
    },
    async close() {
      for (const c of clients) c.destroy();
      // Keep-alive sockets from other clients would hold server.close() open.
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
    },
  };
}

let counter = 0;

/** A table name unique within this process and run, so tests can share one server. */
export function uniqueTableName(prefix = 'airlock-test'): string {
  counter += 1;
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${counter}`;
}
