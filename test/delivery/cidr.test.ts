import { describe, expect, it } from 'vitest';
import { cidrContains, parseCidr } from '../../src/delivery/cidr.ts';
import { formatIp, mappedIpv4, parseIp } from '../../src/delivery/ip-address.ts';

const ip = (text: string) => {
  const parsed = parseIp(text);
  if (parsed === null) throw new Error(`test address ${text} does not parse`);
  return parsed;
};

describe('parseIp', () => {
  it.each([
    ['0.0.0.0', '0.0.0.0'],
    ['255.255.255.255', '255.255.255.255'],
    ['::', '0:0:0:0:0:0:0:0'],
    ['::1', '0:0:0:0:0:0:0:1'],
    ['fe80::1%eth0', 'fe80:0:0:0:0:0:0:1'],
    ['[2001:db8::1]', '2001:db8:0:0:0:0:0:1'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2:3:4:5:6'],
    ['1::', '1:0:0:0:0:0:0:0'],
    ['::ffff:10.0.0.1', '0:0:0:0:0:ffff:a00:1'],
    ['::ffff:a00:1', '0:0:0:0:0:ffff:a00:1'],
    ['64:ff9b::192.0.2.33', '64:ff9b:0:0:0:0:c000:221'],
  ])('%s', (text, formatted) => {
    expect(formatIp(ip(text))).toBe(formatted);
  });

  it.each(['', 'localhost', '10.0.0', '010.0.0.1', '256.0.0.1', '1:2:3:4:5:6:7:8:9', '::g', '127.1'])(
    'refuses %j',
    (text) => {
      expect(parseIp(text)).toBeNull();
    },
  );

  it('unwraps IPv4-mapped addresses, dotted or hex', () => {
    expect(formatIp(mappedIpv4(ip('::ffff:127.0.0.1'))!)).toBe('127.0.0.1');
    expect(formatIp(mappedIpv4(ip('::ffff:7f00:1'))!)).toBe('127.0.0.1');
    expect(mappedIpv4(ip('::7f00:1'))).toBeNull();
    expect(mappedIpv4(ip('127.0.0.1'))).toBeNull();
  });
});

describe('parseCidr and cidrContains', () => {
  const contains = (range: string, address: string) => cidrContains(parseCidr(range), ip(address));

  it('matches IPv4 ranges at their edges', () => {
    expect(contains('10.0.0.0/8', '10.0.0.0')).toBe(true);
    expect(contains('10.0.0.0/8', '10.255.255.255')).toBe(true);
    expect(contains('10.0.0.0/8', '11.0.0.0')).toBe(false);
    expect(contains('172.16.0.0/12', '172.31.255.255')).toBe(true);
    expect(contains('172.16.0.0/12', '172.32.0.0')).toBe(false);
    expect(contains('100.64.0.0/10', '100.127.255.255')).toBe(true);
    expect(contains('100.64.0.0/10', '100.128.0.0')).toBe(false);
  });

  it('matches IPv6 ranges at their edges', () => {
    expect(contains('fc00::/7', 'fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff')).toBe(true);
    expect(contains('fc00::/7', 'fe00::')).toBe(false);
    expect(contains('fe80::/10', 'febf::1')).toBe(true);
    expect(contains('fe80::/10', 'fec0::1')).toBe(false);
    expect(contains('::1/128', '::1')).toBe(true);
    expect(contains('::1/128', '::2')).toBe(false);
  });

  it('treats /0 as everything of its family and a bare address as one host', () => {
    expect(contains('0.0.0.0/0', '203.0.113.9')).toBe(true);
    expect(contains('::/0', '2606:4700::1')).toBe(true);
    expect(contains('0.0.0.0/0', '::1')).toBe(false);
    expect(contains('192.0.2.7', '192.0.2.7')).toBe(true);
    expect(contains('192.0.2.7', '192.0.2.8')).toBe(false);
    expect(contains('::1', '::1')).toBe(true);
  });

  it('ignores host bits', () => {
    expect(parseCidr('127.0.0.1/8')).toEqual(parseCidr('127.0.0.0/8'));
    expect(contains('127.0.0.1/8', '127.9.9.9')).toBe(true);
  });

  it('never matches across families', () => {
    expect(contains('127.0.0.0/8', '::ffff:127.0.0.1')).toBe(false);
  });

  it.each(['', '10.0.0.0/', '10.0.0.0/33', '::/129', '10.0.0.0/-1', '10.0.0.0/8.5', 'example.com/8', '10.0.0.0/ 8x'])(
    'throws on %j',
    (text) => {
      expect(() => parseCidr(text)).toThrow(/invalid CIDR range/);
    },
  );
});
