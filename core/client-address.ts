// The unit a client address is counted by, for anything kept per address (the
// failed-authentication guard; per-key address allowlists). Addresses are
// grouped so they cannot be rotated for free: an IPv4-mapped IPv6 address is
// its IPv4 address, and IPv6 counts per /64 (what one subscriber typically
// holds). Pure: a string in, a string out.
import { isIPv6 } from 'node:net';

/** IPv4 as is, IPv4-mapped as IPv4, IPv6 by /64; anything unparsable as given. */
export function clientAddressKey(address: string): string {
  // Plain IPv4, the common case on every authenticated request: no parsing at all.
  if (!address.includes(':')) return address;
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  if (mapped?.[1]) return mapped[1];
  const bare = address.split('%')[0] ?? address;
  if (!isIPv6(bare)) return address;
  const groups = (text: string) => (text === '' ? [] : text.split(':').flatMap((g) => (g.includes('.') ? ['0', '0'] : [g])));
  const [left = '', right] = bare.toLowerCase().split('::');
  const head = groups(left);
  const tail = right === undefined ? [] : groups(right);
  const full = right === undefined ? head : [...head, ...Array<string>(8 - head.length - tail.length).fill('0'), ...tail];
  return `${full
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}
