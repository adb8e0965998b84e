/**
 * Where an IP address lives, as far as the network path to AWS is concerned:
 * private addresses are answered by VPC (interface) endpoints, public ones are
 * reached through a gateway endpoint, a NAT gateway or an internet gateway.
 */
import { BlockList, isIP } from 'node:net';

/**
 * - `private`: RFC 1918, RFC 6598 shared space (100.64/10), IPv6 unique-local (fc00::/7)
 * - `loopback`: 127/8, ::1 (a local forwarder or a hosts-file override)
 * - `link_local`: 169.254/16, fe80::/10
 * - `unspecified`: 0.0.0.0/8, :: (a DNS firewall's "sinkhole" answer; never connect to it)
 * - `public`: everything else
 */
export type AddressScope = 'private' | 'public' | 'loopback' | 'link_local' | 'unspecified';

function blockList(v4: [string, number][], v6: [string, number][]): BlockList {
  const b = new BlockList();
  for (const [net, prefix] of v4) b.addSubnet(net, prefix, 'ipv4');
  for (const [net, prefix] of v6) b.addSubnet(net, prefix, 'ipv6');
  return b;
}

const PRIVATE = blockList(
  [['10.0.0.0', 8], ['172.16.0.0', 12], ['192.168.0.0', 16], ['100.64.0.0', 10]],
  [['fc00::', 7]],
);
const LOOPBACK = blockList([['127.0.0.0', 8]], [['::1', 128]]);
const LINK_LOCAL = blockList([['169.254.0.0', 16]], [['fe80::', 10]]);
const UNSPECIFIED = blockList([['0.0.0.0', 8]], [['::', 128]]);

const MAPPED_V4_RE = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i;

/** The scope of an IPv4 or IPv6 address; throws on something that is not an IP address. */
export function addressScope(address: string): AddressScope {
  const mapped = MAPPED_V4_RE.exec(address);
  const ip = mapped ? mapped[1]! : address;
  const family = isIP(ip);
  if (family === 0) throw new TypeError(`"${address}" is not an IP address`);
  const type = family === 4 ? 'ipv4' : 'ipv6';
  if (UNSPECIFIED.check(ip, type)) return 'unspecified';
  if (LOOPBACK.check(ip, type)) return 'loopback';
  if (LINK_LOCAL.check(ip, type)) return 'link_local';
  if (PRIVATE.check(ip, type)) return 'private';
  return 'public';
}

/** True for addresses that never leave the VPC through a NAT or internet gateway. */
export function isPrivateAddress(address: string): boolean {
  return addressScope(address) === 'private';
}

/** True for addresses routed on the public internet (or AWS's public ranges). */
export function isPublicAddress(address: string): boolean {
  return addressScope(address) === 'public';
}
