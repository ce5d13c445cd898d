import { describe, expect, it } from 'vitest';
import { classifyAddress } from '../../src/delivery/address-classifier.ts';
import { createAddressCheck } from '../../src/delivery/address-guard.ts';

describe('classifyAddress', () => {
  it.each([
    // IPv4
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['10.0.0.1', 'private'],
    ['10.255.255.255', 'private'],
    ['100.64.0.1', 'shared-address-space'],
    ['100.127.255.254', 'shared-address-space'],
    ['100.100.100.200', 'metadata'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['169.254.169.254', 'metadata'],
    ['169.254.1.1', 'link-local'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.0.0.192', 'metadata'],
    ['192.0.0.8', 'reserved'],
    ['192.0.2.1', 'documentation'],
    ['192.88.99.1', 'reserved'],
    ['192.168.1.1', 'private'],
    ['198.18.0.1', 'benchmarking'],
    ['198.19.255.255', 'benchmarking'],
    ['198.51.100.7', 'documentation'],
    ['203.0.113.7', 'documentation'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['240.0.0.1', 'reserved'],
    ['255.255.255.255', 'broadcast'],
    // IPv6
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['febf:ffff::1', 'link-local'],
    ['fec0::1', 'site-local'],
    ['fc00::1', 'unique-local'],
    ['fd12:3456:789a::1', 'unique-local'],
    ['fd00:ec2::254', 'metadata'],
    ['ff02::1', 'multicast'],
    ['ff05::1:3', 'multicast'],
    ['2001:db8::1', 'documentation'],
    ['3fff::1', 'documentation'],
    ['2001:2::1', 'benchmarking'],
    ['2001::1', 'reserved'], // Teredo
    ['100::1', 'reserved'], // discard-only
    ['::7f00:1', 'reserved'], // deprecated IPv4-compatible
    ['64:ff9b:1::1', 'reserved'], // local-use NAT64
    ['4000::1', 'reserved'], // not global unicast
    // IPv4 hidden in IPv6
    ['::ffff:10.0.0.1', 'private'],
    ['::ffff:a00:1', 'private'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['0:0:0:0:0:ffff:7f00:1', 'loopback'],
    ['::ffff:169.254.169.254', 'metadata'],
    ['::ffff:0.0.0.0', 'unspecified'],
    ['64:ff9b::10.0.0.1', 'private'],
    ['64:ff9b::a9fe:a9fe', 'metadata'],
    ['2002:7f00:1::', 'loopback'],
    ['2002:c0a8:101::1', 'private'],
    // not addresses at all
    ['localhost', 'invalid'],
    ['', 'invalid'],
  ])('%s is refused as %s', (address, reason) => {
    expect(classifyAddress(address)).toBe(reason);
  });

  it.each([
    '1.1.1.1',
    '8.8.8.8',
    '9.255.255.255',
    '11.0.0.0',
    '100.63.255.255',
    '100.128.0.0',
    '172.15.255.255',
    '172.32.0.0',
    '169.253.255.255',
    '192.167.255.255',
    '192.169.0.0',
    '198.17.255.255',
    '198.20.0.0',
    '223.255.255.255',
    '2606:4700:4700::1111',
    '2a00:1450:4001:80b::200e',
    '2001:4860:4860::8888',
    '::ffff:8.8.8.8',
    '::ffff:808:808',
    '64:ff9b::8.8.8.8',
    '2002:808:808::1',
  ])('%s is public', (address) => {
    expect(classifyAddress(address)).toBeNull();
  });
});

describe('createAddressCheck', () => {
  it('refuses private addresses with no allow list', () => {
    const check = createAddressCheck();
    expect(check('127.0.0.1')).toBe('loopback');
    expect(check('::1')).toBe('loopback');
    expect(check('8.8.8.8')).toBeNull();
  });

  it('lets the allowed ranges through and nothing more', () => {
    const check = createAddressCheck(['127.0.0.0/8', '::1/128']);
    expect(check('127.0.0.1')).toBeNull();
    expect(check('127.1.2.3')).toBeNull();
    expect(check('::1')).toBeNull();
    expect(check('::2')).toBe('reserved');
    expect(check('10.0.0.1')).toBe('private');
    expect(check('169.254.169.254')).toBe('metadata');
  });

  it('applies an IPv4 range to the IPv4-mapped form of its addresses', () => {
    const check = createAddressCheck(['10.1.0.0/16']);
    expect(check('::ffff:10.1.2.3')).toBeNull();
    expect(check('::ffff:a01:203')).toBeNull();
    expect(check('::ffff:10.2.0.1')).toBe('private');
  });

  it('does not apply an IPv4 range to NAT64 or 6to4 addresses, whose gateway decides the target', () => {
    const check = createAddressCheck(['10.0.0.0/8']);
    expect(check('64:ff9b::10.0.0.1')).toBe('private');
    expect(check('2002:a00:1::')).toBe('private');
  });

  it('lets an explicit allow win over every reason, metadata included', () => {
    expect(createAddressCheck(['169.254.0.0/16'])('169.254.169.254')).toBeNull();
  });

  it('refuses what is not an address even when everything is allowed', () => {
    expect(createAddressCheck(['0.0.0.0/0', '::/0'])('localhost')).toBe('invalid');
  });

  it('throws on a malformed range at creation', () => {
    expect(() => createAddressCheck(['127.0.0.0/8', 'loopback'])).toThrow(/invalid CIDR range "loopback"/);
  });
});
