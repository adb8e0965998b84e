/**
 * The addresses of the task (or machine) running the check, to tell a NAT
 * gateway path from an internet gateway path: on ECS from the task metadata
 * endpoint (v4), elsewhere from the network interfaces.
 */
import { request } from 'node:http';
import { networkInterfaces } from 'node:os';
import { z } from 'zod';
import { addressScope } from './address.js';

export interface OwnAddresses {
  addresses: string[];
  hasPublicIp: boolean;
  source: 'ecs-metadata' | 'interfaces' | 'given';
}

// Only the fields we read; ECS adds more over time.
const taskMetadataSchema = z.object({
  Containers: z
    .array(
      z.object({
        Networks: z
          .array(
            z.object({
              IPv4Addresses: z.array(z.string()).optional(),
              IPv6Addresses: z.array(z.string()).optional(),
            }),
          )
          .optional(),
      }),
    )
    .optional(),
});

/** The task's addresses from `${ECS_CONTAINER_METADATA_URI_V4}/task`. */
export async function addressesFromEcsMetadata(baseUri: string, timeoutMs = 1000): Promise<string[]> {
  const body = await getJson(`${baseUri.replace(/\/+$/, '')}/task`, timeoutMs);
  const parsed = taskMetadataSchema.safeParse(body);
  if (!parsed.success) throw new Error(`ECS task metadata at ${baseUri}/task has an unexpected shape`);
  const out = new Set<string>();
  for (const c of parsed.data.Containers ?? []) {
    for (const n of c.Networks ?? []) for (const a of [...(n.IPv4Addresses ?? []), ...(n.IPv6Addresses ?? [])]) out.add(a);
  }
  return [...out];
}

/** This machine's addresses, without loopback and link-local ones (they never carry traffic to AWS). */
export function addressesFromInterfaces(): string[] {
  const out: string[] = [];
  for (const list of Object.values(networkInterfaces())) {
    for (const i of list ?? []) {
      const address = i.address.replace(/%.*$/, '');
      if (!i.internal && addressScope(address) !== 'link_local') out.push(address);
    }
  }
  return out;
}

export interface OwnAddressOptions {
  /** Use these instead of discovering them. */
  addresses?: readonly string[];
  /** Overrides whether the task has a public IP (ECS task metadata does not list a Fargate task's public IP). */
  hasPublicIp?: boolean;
  /** `public-ip` mode means a public IP even when the metadata does not show it. */
  mode?: string;
  /** @default process.env */
  env?: NodeJS.ProcessEnv;
  /** Bound on the task metadata request. @default 1000 */
  metadataTimeoutMs?: number;
}

/** Finds the task's addresses and whether it has a public IP; never throws. */
export async function discoverOwnAddresses(opts: OwnAddressOptions = {}): Promise<OwnAddresses> {
  const env = opts.env ?? process.env;
  let addresses: string[];
  let source: OwnAddresses['source'];
  if (opts.addresses) {
    addresses = [...opts.addresses];
    source = 'given';
  } else if (env.ECS_CONTAINER_METADATA_URI_V4) {
    try {
      addresses = await addressesFromEcsMetadata(env.ECS_CONTAINER_METADATA_URI_V4, opts.metadataTimeoutMs);
      source = 'ecs-metadata';
    } catch {
      addresses = addressesFromInterfaces();
      source = 'interfaces';
    }
  } else {
    addresses = addressesFromInterfaces();
    source = 'interfaces';
  }
  const seenPublic = addresses.some((a) => {
    try {
      return addressScope(a) === 'public';
    } catch {
      return false;
    }
  });
  const hasPublicIp = opts.hasPublicIp ?? (seenPublic || opts.mode === 'public-ip');
  return { addresses, hasPublicIp, source };
}

function getJson(url: string, timeoutMs: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    // node:http with no agent options never reads HTTP_PROXY: the metadata endpoint is link-local.
    const req = request(url, { method: 'GET', timeout: timeoutMs }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        reject(new Error(`GET ${url} answered ${res.statusCode}`));
        return;
      }
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        } catch (err) {
          reject(err);
        }
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url} took longer than ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}
