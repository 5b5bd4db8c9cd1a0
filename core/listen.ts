// Bind a listener, turning "address in use" and friends into a ConfigError
// that names the setting to change (exit code 2, no stack trace).
import { ConfigError } from './errors.js';

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
