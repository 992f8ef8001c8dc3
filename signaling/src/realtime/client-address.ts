import { isIPv6 } from 'node:net';

/**
 * One spelling per address, so the address a socket connects from and one a client names can be compared: IPv6 has
 * many spellings of one address, and an IPv4 client on a dual-stack listener shows up as `::ffff:a.b.c.d`.
 */
export function canonicalAddress(address: string): string {
  if (!isIPv6(address)) return address;
  // The WHATWG URL parser prints IPv6 in RFC 5952 form, IPv4-mapped ones as `::ffff:hhhh:hhhh`.
  const canonical = new URL(`http://[${address}]/`).hostname.slice(1, -1);
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(canonical);
  if (!mapped) return canonical;
  const [high, low] = [parseInt(mapped[1]!, 16), parseInt(mapped[2]!, 16)];
  return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
}
