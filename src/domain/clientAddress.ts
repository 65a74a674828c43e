/**
 * The client address as the rate limits count it. An IPv6 client usually holds a whole
 * /64 (one home or phone network), and can pick any address in it for each request: its
 * addresses are one client, written `<first four groups>::/64`. IPv4 addresses (also when
 * written IPv4-mapped, `::ffff:192.0.2.1`) count alone. Anything else (a proxy header
 * that is not an address) is kept as given: it is only ever hashed into a key.
 */
import { createHash } from 'node:crypto';

/** Longer than any IPv6 text with a zone; longer input is not parsed at all. */
const MAX_ADDRESS_LENGTH = 64;
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;
const HEX_GROUP = /^[0-9a-f]{1,4}$/;

/** The eight 16-bit groups of an IPv6 text, or undefined when it is not one. */
function ipv6Groups(text: string): string[] | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const parts = halves.map((h) => (h === '' ? [] : h.split(':')));
  const last = parts.at(-1)!;
  const tail = last.at(-1);
  if (tail !== undefined && tail.includes('.')) {
    if (!IPV4.test(tail)) return undefined;
    const [a, b, c, d] = tail.split('.').map(Number) as [number, number, number, number];
    last.splice(-1, 1, ((a << 8) | b).toString(16), ((c << 8) | d).toString(16));
  }
  const given = parts.flat();
  if (!given.every((g) => HEX_GROUP.test(g))) return undefined;
  if (halves.length === 1) return given.length === 8 ? given : undefined;
  if (given.length > 7) return undefined;
  const zeros: string[] = Array<string>(8 - given.length).fill('0');
  return [...parts[0]!, ...zeros, ...parts[1]!];
}

export function addressGroup(ip: string): string {
  const text = ip.trim().toLowerCase();
  if (text.length > MAX_ADDRESS_LENGTH) return text;
  if (IPV4.test(text)) return text;
  const address = text.split('%')[0]!; // a zone index names a local interface, not a client
  if (!address.includes(':')) return text;
  const groups = ipv6Groups(address);
  if (!groups) return text;
  const n = groups.map((g) => parseInt(g, 16));
  if (n.slice(0, 5).every((g) => g === 0) && n[5] === 0xffff) {
    return [n[6]! >> 8, n[6]! & 255, n[7]! >> 8, n[7]! & 255].join('.');
  }
  return `${n
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(':')}::/64`;
}

/** What a session keeps of the address group it logged in from: a hash, never the address. */
export function addressTag(group: string): string {
  return createHash('sha256').update(`address:${group}`).digest('hex').slice(0, 32);
}
