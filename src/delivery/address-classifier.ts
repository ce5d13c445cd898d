import { cidrContains, parseCidr } from './cidr.ts';
import type { Cidr } from './cidr.ts';
import { mappedIpv4, parseIp } from './ip-address.ts';
import type { IpAddress } from './ip-address.ts';

/** Why a webhook may not be sent to an address (unless the operator allows its range). */
export type RefusalReason =
  | 'unspecified'
  | 'loopback'
  | 'private'
  | 'shared-address-space'
  | 'link-local'
  | 'unique-local'
  | 'site-local'
  | 'multicast'
  | 'broadcast'
  | 'metadata'
  | 'documentation'
  | 'benchmarking'
  | 'reserved'
  | 'invalid';

type Table = ReadonlyArray<readonly [Cidr, RefusalReason]>;

function table(rows: ReadonlyArray<readonly [string, RefusalReason]>): Table {
  return rows.map(([range, reason]) => [parseCidr(range), reason] as const);
}

// First match wins, so the single metadata hosts come before the ranges that contain them.
const IPV4: Table = table([
  ['0.0.0.0/8', 'unspecified'],
  ['10.0.0.0/8', 'private'],
  ['100.100.100.200/32', 'metadata'], // Alibaba Cloud
  ['100.64.0.0/10', 'shared-address-space'], // carrier-grade NAT
  ['127.0.0.0/8', 'loopback'],
  ['169.254.169.254/32', 'metadata'], // AWS, GCP, Azure, OpenStack
  ['169.254.0.0/16', 'link-local'],
  ['172.16.0.0/12', 'private'],
  ['192.0.0.192/32', 'metadata'], // Oracle Cloud
  ['192.0.0.0/24', 'reserved'], // IETF protocol assignments
  ['192.0.2.0/24', 'documentation'],
  ['192.88.99.0/24', 'reserved'], // deprecated 6to4 relay anycast
  ['192.168.0.0/16', 'private'],
  ['198.18.0.0/15', 'benchmarking'],
  ['198.51.100.0/24', 'documentation'],
  ['203.0.113.0/24', 'documentation'],
  ['224.0.0.0/4', 'multicast'],
  ['255.255.255.255/32', 'broadcast'],
  ['240.0.0.0/4', 'reserved'],
]);

const IPV6: Table = table([
  ['::/128', 'unspecified'],
  ['::1/128', 'loopback'],
  ['fd00:ec2::254/128', 'metadata'], // AWS over IPv6
  ['fc00::/7', 'unique-local'],
  ['fe80::/10', 'link-local'],
  ['fec0::/10', 'site-local'],
  ['ff00::/8', 'multicast'],
  ['2001:db8::/32', 'documentation'],
  ['3fff::/20', 'documentation'],
  ['2001:2::/48', 'benchmarking'],
  ['2001::/23', 'reserved'], // IETF protocol assignments, Teredo included
]);

/** Only this block is allocated for global unicast; everything else in IPv6 is reserved or special. */
const IPV6_GLOBAL_UNICAST = parseCidr('2000::/3');

// Prefixes whose addresses carry an IPv4 destination: judged by that IPv4 address, so that
// `::ffff:10.0.0.1` or `64:ff9b::a00:1` cannot smuggle a private target past the guard.
const NAT64 = parseCidr('64:ff9b::/96');
const SIX_TO_FOUR = parseCidr('2002::/16');

function lookup(rows: Table, ip: IpAddress): RefusalReason | null {
  for (const [range, reason] of rows) if (cidrContains(range, ip)) return reason;
  return null;
}

/** The IPv4 destination hidden in an IPv6 address (mapped, NAT64, 6to4), if any. */
export function embeddedIpv4(ip: IpAddress): IpAddress | null {
  const mapped = mappedIpv4(ip);
  if (mapped !== null) return mapped;
  if (cidrContains(NAT64, ip)) return { family: 4, value: ip.value & 0xffff_ffffn };
  if (cidrContains(SIX_TO_FOUR, ip)) return { family: 4, value: (ip.value >> 80n) & 0xffff_ffffn };
  return null;
}

/** `null` when the address is public, else why it is not. Ignores the operator's allow list. */
export function classifyIp(ip: IpAddress): RefusalReason | null {
  if (ip.family === 4) return lookup(IPV4, ip);
  const v4 = embeddedIpv4(ip);
  if (v4 !== null) return lookup(IPV4, v4);
  const special = lookup(IPV6, ip);
  if (special !== null) return special;
  return cidrContains(IPV6_GLOBAL_UNICAST, ip) ? null : 'reserved';
}

export function classifyAddress(address: string): RefusalReason | null {
  const ip = parseIp(address);
  return ip === null ? 'invalid' : classifyIp(ip);
}
