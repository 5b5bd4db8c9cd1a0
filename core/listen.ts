// Binding listeners: a promise around server.listen, and the same turning
// "address in use" and friends into a ConfigError that names the setting to
// change (exit code 2, no stack trace).
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigError } from './errors.js';

/** server.listen as a promise that rejects on a bind error. */
export function listenOn(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

export async function listenOrExplain(
  server: { listen(port: number, host: string): Promise<{ port: number }> },
  port: number,
  host: string,
  setting: string,
): Promise<{ port: number }> {
  try {
    return await server.listen(port, host);
  } catch (err) {
    throw new ConfigError(`cannot listen on ${host}:${port} (${setting}): ${(err as Error).message}`);
  }
}
