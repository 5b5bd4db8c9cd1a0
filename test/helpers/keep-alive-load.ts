// Keep-alive clients sending requests back to back, each on its own
// connection, until the server answers `Connection: close` or a request
// fails: the load of the shutdown tests, which signal the process once it is
// busy and then check that every connection was told to close and none reset.
import { Client } from 'undici';

interface TestLike {
  teardown(fn: () => void | Promise<void>): void;
}

export interface KeepAliveLoad {
  /** Resolves once `busyAfter` requests completed. */
  readonly busy: Promise<void>;
  /** Call as the signal is sent: later keep-alive answers are counted. */
  signalSent(): void;
  /** Each connection's ending, once all have ended. */
  ended(): Promise<('told to close' | 'failed')[]>;
  readonly errors: readonly string[];
  completed(): number;
  /** Responses after signalSent() that still said keep-alive (already on their way). */
  keepAliveAfterSignal(): number;
}

export function startKeepAliveLoad(
  t: TestLike,
  origin: string,
  request: { path: string; headers?: Record<string, string> },
  options: { connections: number; busyAfter: number },
): KeepAliveLoad {
  let completed = 0;
  let signalled = false;
  let keepAliveAfterSignal = 0;
  const errors: string[] = [];
  let busy!: () => void;
  const busyPromise = new Promise<void>((resolve) => (busy = resolve));
  const clients = Array.from({ length: options.connections }, () => new Client(origin, { pipelining: 1 }));
  t.teardown(async () => {
    await Promise.all(clients.map((client) => client.destroy()));
  });

  async function load(client: Client): Promise<'told to close' | 'failed'> {
    for (;;) {
      try {
        const response = await client.request({ method: 'GET', ...request });
        await response.body.text();
        if (response.statusCode !== 200) throw new Error(`status ${response.statusCode}`);
        if (++completed === options.busyAfter) busy();
        if (response.headers.connection === 'close') return 'told to close';
        if (signalled) keepAliveAfterSignal++;
      } catch (err) {
        errors.push(`${(err as { code?: string }).code ?? ''} ${(err as Error).message}`);
        return 'failed';
      }
    }
  }
  const loads = clients.map(load);
  return {
    busy: busyPromise,
    signalSent: () => void (signalled = true),
    ended: () => Promise.all(loads),
    errors,
    completed: () => completed,
    keepAliveAfterSignal: () => keepAliveAfterSignal,
  };
}
