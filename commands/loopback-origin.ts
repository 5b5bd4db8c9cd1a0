// How a process reaches one of its own listeners: the address it bound, or
// loopback when it bound every interface (0.0.0.0 / ::).
import { isIPv6 } from 'node:net';
import { compileAllowlist, normalizeIpEntry } from '../core/ip-allowlist.js';

/** The address a process connects to (and so from) to reach its own listener bound to `host`. */
export function loopbackAddress(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '::1';
  return host;
}

export function loopbackOrigin(host: string, port: number): string {
  const address = loopbackAddress(host);
  return isIPv6(address) ? `http://[${address}]:${port}` : `http://${address}:${port}`;
}

const IPV4_LOOPBACK = compileAllowlist(['127.0.0.0/8']);

/**
 * The addresses a connection from this process to its own listener on `host` comes from. To an
 * IPv4 loopback address the kernel picks its source in 127.0.0.0/8 (127.0.0.1 for 127.0.0.2), so
 * that whole range; to another address of this host, that address. Empty for a host name: what
 * it resolves to is not known here.
 */
export function ownConnectionSources(host: string): string[] {
  const address = normalizeIpEntry(loopbackAddress(host));
  if (!address.ok) return [];
  return IPV4_LOOPBACK(address.normalized) ? ['127.0.0.0/8'] : [address.normalized];
}
