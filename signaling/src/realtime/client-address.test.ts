import { describe, expect, it } from 'vitest';
import { canonicalAddress } from './client-address.ts';

describe('canonicalAddress', () => {
  it('reads IPv4-mapped IPv6 as the IPv4 address, in either spelling', () => {
    expect(canonicalAddress('::ffff:127.0.0.1')).toBe('127.0.0.1');
    expect(canonicalAddress('::FFFF:10.0.0.1')).toBe('10.0.0.1');
    expect(canonicalAddress('::ffff:7f00:1')).toBe('127.0.0.1');
  });

  it('spells IPv6 one way and leaves IPv4 as it is', () => {
    expect(canonicalAddress('0:0:0:0:0:0:0:1')).toBe('::1');
    expect(canonicalAddress('FE80::0001')).toBe('fe80::1');
    expect(canonicalAddress('192.168.1.20')).toBe('192.168.1.20');
  });
});
