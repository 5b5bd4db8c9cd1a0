// Free loopback ports for the children the harness starts. The OS picks one
// (port 0), we release it and hand it on: a small race, acceptable for a bench
// on one machine. Never 6379, where a machine's own Redis may live, and never
// a port this run handed out already (children bind theirs later).
import { createServer } from 'node:net';

const handedOut = new Set<number>();

export async function freePort(): Promise<number> {
  for (;;) {
    const port = await probePort();
    if (port !== 6379 && !handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
}

function probePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => (port > 0 ? resolve(port) : reject(new Error('the OS gave no port'))));
    });
  });
}
