// How a process reaches one of its own listeners: the address it bound, or
// loopback when it bound every interface (0.0.0.0 / ::).
import { isIPv6 } from 'node:net';

export function loopbackOrigin(host: string, port: number): string {
  if (host === '0.0.0.0' || host === '') return `http://127.0.0.1:${port}`;
  if (host === '::') return `http://[::1]:${port}`;
  return isIPv6(host) ? `http://[${host}]:${port}` : `http://${host}:${port}`;
}
