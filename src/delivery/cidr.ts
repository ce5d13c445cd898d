import { parseIp } from './ip-address.ts';
import type { IpAddress } from './ip-address.ts';

export interface Cidr {
  readonly family: 4 | 6;
  readonly network: bigint;
  readonly prefix: number;
}

/**
 * Parses `10.0.0.0/8`, `::1/128`, or a bare address (a single host). Host bits are ignored
 * (`127.0.0.1/8` means `127.0.0.0/8`). Throws on anything else: these come from operator
 * configuration, where a typo must stop the process rather than silently allow or refuse.
 */
export function parseCidr(text: string): Cidr {
  const slash = text.indexOf('/');
  const ip = parseIp(slash === -1 ? text : text.slice(0, slash));
  if (ip === null) throw new TypeError(`invalid CIDR range "${text}": not an IP address`);
  const bits = ip.family === 4 ? 32 : 128;
  const prefixText = slash === -1 ? String(bits) : text.slice(slash + 1).trim();
  const prefix = /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : NaN;
  if (!(prefix >= 0 && prefix <= bits)) {
    throw new TypeError(`invalid CIDR range "${text}": prefix must be 0 to ${bits}`);
  }
  const shift = BigInt(bits - prefix);
  return { family: ip.family, network: (ip.value >> shift) << shift, prefix };
}

/** An IPv4 range never contains an IPv6 address: callers unwrap IPv4-mapped addresses first. */
export function cidrContains(cidr: Cidr, ip: IpAddress): boolean {
  if (cidr.family !== ip.family) return false;
  const shift = BigInt((cidr.family === 4 ? 32 : 128) - cidr.prefix);
  return ip.value >> shift === cidr.network >> shift;
}
