// An upstream for tests that care about timing and connections: it reports
// each request when its headers arrive (not when its body ends), lets each
// test install the handler, and counts the connections opened to it.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

interface Teardown {
  teardown(fn: () => void | Promise<void>): void;
}

export interface Arrival {
  req: IncomingMessage;
  res: ServerResponse;
  /** performance.now() when the request's headers arrived. */
  at: number;
}

/**
 * An upstream that reports each request when its headers arrive (not when its body ends) and
 * counts its connections, so a test can tell that the gateway opened nothing at all.
 */
export async function startProbe(t: Teardown) {
  const arrivals: Arrival[] = [];
  const waiting: ((arrival: Arrival) => void)[] = [];
  let handler = (_arrival: Arrival): void => undefined;
  let opened = 0;
  const server = createServer((req, res) => {
    const arrival = { req, res, at: performance.now() };
    arrivals.push(arrival);
    waiting.splice(0).forEach((resolve) => resolve(arrival));
    handler(arrival);
  });
  server.on('connection', () => opened++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    arrivals,
    /** Connections the gateway has opened to this upstream so far. */
    opened: () => opened,
    handle(next: (arrival: Arrival) => void): void {
      handler = next;
    },
    nextRequest: () => new Promise<Arrival>((resolve) => waiting.push(resolve)),
  };
}
