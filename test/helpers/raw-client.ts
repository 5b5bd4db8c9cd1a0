// A raw client connection a test writes to piece by piece (slow bodies,
// stalls), reading the first final response, or what there was when the
// connection closed.
import { connect, type Socket } from 'node:net';
import type { RawResponse } from './raw-http.js';

interface Teardown {
  teardown(fn: () => void | Promise<void>): void;
}

export interface RawClient {
  socket: Socket;
  write(data: string | Buffer): void;
  /** The first response, once complete, or what there was when the connection closed. */
  response: Promise<RawResponse & { closedEarly: boolean }>;
  /** Resolves when the received bytes match `pattern`. */
  receives(pattern: RegExp): Promise<string>;
}

/** A raw connection the test writes to piece by piece, reading one response. */
export function rawClient(t: Teardown, port: number): RawClient {
  const socket = connect(port, '127.0.0.1');
  t.teardown(() => void socket.destroy());
  let text = '';
  const watchers: { pattern: RegExp; resolve: (text: string) => void }[] = [];
  const response = new Promise<RawResponse & { closedEarly: boolean }>((resolve) => {
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
      for (const watcher of watchers.filter((w) => w.pattern.test(text))) {
        watchers.splice(watchers.indexOf(watcher), 1);
        watcher.resolve(text);
      }
      const parsed = parseFinal(text);
      if (parsed?.complete) resolve({ ...parsed.response, closedEarly: false });
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      const parsed = parseFinal(text);
      resolve({ ...(parsed?.response ?? { status: 0, headers: {}, body: '', raw: text }), closedEarly: !parsed?.complete });
    });
  });
  return {
    socket,
    write: (data) => void socket.write(data),
    response,
    receives: (pattern) => (pattern.test(text) ? Promise.resolve(text) : new Promise((resolve) => watchers.push({ pattern, resolve }))),
  };
}

/** The first final (non-1xx) response in `text`, and whether all of its body is there. */
function parseFinal(text: string): { response: RawResponse; complete: boolean } | undefined {
  let rest = text;
  while (/^HTTP\/1\.1 1\d\d /.test(rest)) {
    const end = rest.indexOf('\r\n\r\n');
    if (end === -1) return undefined;
    rest = rest.slice(end + 4);
  }
  const end = rest.indexOf('\r\n\r\n');
  if (end === -1) return undefined;
  const [statusLine = '', ...lines] = rest.slice(0, end).split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const body = rest.slice(end + 4);
  const length = headers['content-length'];
  const complete = length !== undefined ? Buffer.byteLength(body, 'latin1') >= Number(length) : body.endsWith('0\r\n\r\n');
  return { response: { status: Number(statusLine.split(' ')[1] ?? 0), headers, body, raw: text }, complete };
}
