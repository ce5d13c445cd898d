import { isIPv4, isIPv6 } from 'node:net';

/** An IP address as an unsigned integer: 32 bits for IPv4, 128 bits for IPv6, so ranges are plain arithmetic. */
export interface IpAddress {
  readonly family: 4 | 6;
  readonly value: bigint;
}

/**
 * Parses a literal IPv4 or IPv6 address (brackets and an IPv6 zone such as `%eth0` tolerated).
 * Validation is left to node:net so only the forms the OS would also accept get through.
 */
export function parseIp(text: string): IpAddress | null {
  let host = text.trim();
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  if (isIPv4(host)) return { family: 4, value: ipv4Value(host) };
  const zone = host.indexOf('%');
  if (zone !== -1) host = host.slice(0, zone);
  if (isIPv6(host)) return { family: 6, value: ipv6Value(host) };
  return null;
}

function ipv4Value(text: string): bigint {
  return text.split('.').reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);
}

function ipv6Value(text: string): bigint {
  // A dotted IPv4 tail (`::ffff:10.0.0.1`) stands for the last two groups.
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  let groupsText = text;
  if (tail.includes('.')) {
    const v4 = ipv4Value(tail);
    groupsText = `${text.slice(0, lastColon + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const [head, rest] = groupsText.split('::') as [string, string | undefined];
  const headGroups = head === '' ? [] : head.split(':');
  const restGroups = rest === undefined || rest === '' ? [] : rest.split(':');
  const missing = 8 - headGroups.length - restGroups.length;
  const groups = rest === undefined ? headGroups : [...headGroups, ...Array<string>(missing).fill('0'), ...restGroups];
  return groups.reduce((acc, group) => (acc << 16n) | BigInt(parseInt(group, 16)), 0n);
}

/** The IPv4 address an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) stands for: the same host on a dual-stack socket. */
export function mappedIpv4(ip: IpAddress): IpAddress | null {
  if (ip.family !== 6 || ip.value >> 32n !== 0xffffn) return null;
  return { family: 4, value: ip.value & 0xffff_ffffn };
}

/** Formats for error messages; IPv6 is shown uncompressed, which is unambiguous if not pretty. */
export function formatIp(ip: IpAddress): string {
  if (ip.family === 4) {
    return [24n, 16n, 8n, 0n].map((shift) => String((ip.value >> shift) & 0xffn)).join('.');
  }
  const groups: string[] = [];
  for (let shift = 112n; shift >= 0n; shift -= 16n) groups.push(((ip.value >> shift) & 0xffffn).toString(16));
  return groups.join(':');
}
