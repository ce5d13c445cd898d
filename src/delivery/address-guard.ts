import type { LookupAddress, LookupOptions } from 'node:dns';
import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { LookupFunction } from 'node:net';
import { Agent, buildConnector } from 'undici';
import { classifyIp } from './address-classifier.ts';
import type { RefusalReason } from './address-classifier.ts';
import { cidrContains, parseCidr } from './cidr.ts';
import { mappedIpv4, parseIp } from './ip-address.ts';

export type { RefusalReason } from './address-classifier.ts';

/** The connection was not opened because the webhook's host is, or resolves to, a forbidden address. */
export class AddressRefusedError extends Error {
  override name = 'AddressRefusedError';
  readonly code = 'PUNCHCARD_ADDRESS_REFUSED';
  readonly address: string;
  readonly reason: RefusalReason;
  readonly hostname: string;

  constructor(hostname: string, address: string, reason: RefusalReason) {
    const via = hostname === address ? '' : ` (resolved from ${hostname})`;
    super(
      `refused to send a webhook to ${address}${via}: ${reason} address; ` +
        'allow its range in PUNCHCARD_WEBHOOK_ALLOW if this is intended',
    );
    this.hostname = hostname;
    this.address = address;
    this.reason = reason;
  }
}

/** `null` when webhooks may reach the address, else why not. */
export type AddressCheck = (address: string) => RefusalReason | null;

/**
 * Public addresses pass; others pass only inside an operator-allowed range. An allowed range wins
 * over every reason, metadata included: allowing `169.254.0.0/16` is the operator's explicit choice.
 */
export function createAddressCheck(allow: readonly string[] = []): AddressCheck {
  const ranges = allow.map(parseCidr);
  return (address) => {
    const ip = parseIp(address);
    if (ip === null) return 'invalid';
    const reason = classifyIp(ip);
    if (reason === null) return null;
    // `::ffff:127.0.0.1` is 127.0.0.1 on a dual-stack socket, so an IPv4 range allows it too.
    const v4 = mappedIpv4(ip);
    const allowed = ranges.some((range) => cidrContains(range, ip) || (v4 !== null && cidrContains(range, v4)));
    return allowed ? null : reason;
  };
}

/** Resolves every address of a hostname; injectable so tests can play a DNS server that lies. */
export type Resolver = (hostname: string, options: { family?: number; hints?: number }) => Promise<LookupAddress[]>;

const systemResolver: Resolver = (hostname, options) => dnsLookup(hostname, { ...options, all: true });

export interface GuardedAgentOptions {
  /** CIDR ranges allowed although not public, e.g. `['127.0.0.0/8', '::1/128']` in development. */
  allow?: readonly string[];
  /** Time to open the TCP (and TLS) connection; undici's default is 10 s. */
  connectTimeoutMs?: number;
  resolver?: Resolver;
}

/**
 * An undici Agent that checks the address it is about to connect to, after DNS resolution and at
 * every new connection, so a hostname that resolves to a public address when the endpoint is saved
 * and to 10.0.0.1 later (DNS rebinding) is still refused. Refused addresses are dropped from the
 * answer; the connection fails with AddressRefusedError only when none is left.
 */
export function createGuardedAgent(options: GuardedAgentOptions = {}): Agent {
  const check = createAddressCheck(options.allow ?? []);
  const resolver = options.resolver ?? systemResolver;

  const guardedLookup: LookupFunction = (hostname, lookupOptions, callback) => {
    guardedResolve(hostname, lookupOptions, resolver, check).then(
      (addresses) => {
        const [first] = addresses as [LookupAddress];
        if (lookupOptions.all) callback(null, addresses);
        else callback(null, first.address, first.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, ''),
    );
  };

  const connector = buildConnector({ timeout: options.connectTimeoutMs, lookup: guardedLookup });

  // Node's net.connect skips `lookup` for literal IP hosts, so those are checked here.
  const connect: buildConnector.connector = (connectOptions, callback) => {
    const host = stripBrackets(connectOptions.hostname);
    const reason = isIP(host) ? check(host) : null;
    if (reason !== null) {
      // Asynchronous like a failed connection, which is what undici expects of a connector.
      queueMicrotask(() => callback(new AddressRefusedError(host, host, reason), null));
      return;
    }
    connector(connectOptions, callback);
  };

  return new Agent({ connect });
}

async function guardedResolve(
  hostname: string,
  lookupOptions: LookupOptions,
  resolver: Resolver,
  check: AddressCheck,
): Promise<LookupAddress[]> {
  const family = typeof lookupOptions.family === 'number' ? lookupOptions.family : undefined;
  const addresses = await resolver(hostname, { family, hints: lookupOptions.hints });
  const allowed: LookupAddress[] = [];
  let refused: AddressRefusedError | null = null;
  for (const entry of addresses) {
    const reason = check(entry.address);
    if (reason === null) allowed.push(entry);
    else refused ??= new AddressRefusedError(hostname, entry.address, reason);
  }
  if (allowed.length > 0) return allowed;
  if (refused !== null) throw refused;
  throw Object.assign(new Error(`no address found for ${hostname}`), { code: 'ENOTFOUND', hostname });
}

function stripBrackets(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}
