// WebSocket peers for gateway tests, over raw sockets: a client handshake
// reader, RFC 6455 frames, an upstream that completes handshakes and echoes,
// and a "loose" upstream that answers any upgrade however a test says (a 101
// without a valid accept, a 200, a 426) and then records every byte that
// arrives after the handshake, as an upstream that parses HTTP/1.1 from the
// socket would see it.
import { createHash, randomBytes } from 'node:crypto';
import { createServer as createHttpServer, type IncomingHttpHeaders } from 'node:http';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';

interface Teardown {
  teardown(fn: () => void | Promise<void>): void;
}

const WEBSOCKET_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
/** RFC 6455 §4.2.2: base64(SHA-1(key + GUID)). */
export const acceptFor = (key: string): string =>
  createHash('sha1')
    .update(key + WEBSOCKET_GUID)
    .digest('base64');

export const newWebSocketKey = (): string => randomBytes(16).toString('base64');

/** The client's handshake header lines for `key`. */
export const handshakeHeaders = (key: string): string[] => [
  'Upgrade: websocket',
  'Connection: Upgrade',
  `Sec-WebSocket-Key: ${key}`,
  'Sec-WebSocket-Version: 13',
];

export interface SeenUpgrade {
  url: string;
  headers: IncomingHttpHeaders;
  rawHeaders: string[];
}

function closeOnTeardown(t: Teardown, server: { close(cb: () => void): void }, sockets: Set<Socket>): void {
  t.teardown(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  );
}

/** An upstream that completes WebSocket handshakes (with two Set-Cookie fields), records them, and echoes every byte. */
export async function startWebSocketUpstream(t: Teardown): Promise<{ origin: string; upgrades: SeenUpgrade[] }> {
  const upgrades: SeenUpgrade[] = [];
  const sockets = new Set<Socket>();
  const server = createHttpServer((_req, res) => res.writeHead(426, { connection: 'close' }).end());
  server.on('upgrade', (req, socket: Socket, head: Buffer) => {
    sockets.add(socket);
    socket.on('error', () => socket.destroy());
    upgrades.push({ url: req.url ?? '', headers: req.headers, rawHeaders: req.rawHeaders });
    if (req.url === '/ws/stuck') return; // never answers the handshake
    const key = req.headers['sec-websocket-key'];
    if (typeof key !== 'string') {
      socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    socket.write(
      'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        `Sec-WebSocket-Accept: ${acceptFor(key)}\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n\r\n`,
    );
    if (head.length) socket.write(head);
    socket.pipe(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closeOnTeardown(t, server, sockets);
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, upgrades };
}

export interface LooseConnection {
  /** The request head the upstream received (start line and header lines). */
  readonly head: string;
  /** Every byte received after that head, so far. */
  after(): string;
  /** Resolves when the connection has closed: nothing more can arrive. */
  readonly closed: Promise<void>;
}

/**
 * An upstream that answers each request head with `answer(head)` (raw bytes,
 * e.g. a 101 without Sec-WebSocket-Accept), keeps the connection, and records
 * whatever the peer sends afterwards.
 */
export async function startLooseUpstream(
  t: Teardown,
  answer: (head: string) => string,
): Promise<{ origin: string; connections: LooseConnection[] }> {
  const connections: LooseConnection[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => socket.destroy());
    let buffered = '';
    let connection: { head: string; after: string } | undefined;
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.on('data', (chunk: Buffer) => {
      if (connection) {
        connection.after += chunk.toString('latin1');
        return;
      }
      buffered += chunk.toString('latin1');
      const end = buffered.indexOf('\r\n\r\n');
      if (end === -1) return;
      const seen = { head: buffered.slice(0, end), after: buffered.slice(end + 4) };
      connection = seen;
      connections.push({ head: seen.head, after: () => seen.after, closed });
      socket.write(answer(seen.head));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closeOnTeardown(t, server, sockets);
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, connections };
}

export interface Handshake {
  status: number;
  headers: Record<string, string>;
  /** Every header line as sent, in order ("name: value"). */
  lines: string[];
  /** The body of a refusal or a relayed answer (read to the end of the connection); empty after a 101. */
  body: string;
  socket: Socket;
}

function parseHead(text: string): Pick<Handshake, 'status' | 'headers' | 'lines'> {
  const [statusLine, ...lines] = text.split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status: Number(statusLine?.split(' ')[1]), headers, lines };
}

/**
 * Send an upgrade request (plus `after`, bytes sent in the same write right
 * behind it, as a client that does not wait for the 101 would) and read the response head; anything but a 101 is read until
 * the server closes the connection.
 */
export function upgrade(
  port: number,
  path: string,
  headers: string[],
  options: { method?: string; after?: Buffer } = {},
): Promise<Handshake> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let buffered = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      buffered = Buffer.concat([buffered, chunk]);
      const end = buffered.indexOf('\r\n\r\n');
      if (end === -1) return;
      const head = parseHead(buffered.subarray(0, end).toString('latin1'));
      if (head.status !== 101) return;
      socket.off('data', onData);
      socket.off('close', onClose);
      if (buffered.length > end + 4) socket.unshift(buffered.subarray(end + 4));
      resolve({ ...head, body: '', socket });
    };
    const onClose = (): void => {
      const text = buffered.toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      if (end === -1) return resolve({ status: 0, headers: {}, lines: [], body: text, socket });
      resolve({ ...parseHead(text.slice(0, end)), body: text.slice(end + 4), socket });
    };
    socket.on('data', onData);
    socket.on('close', onClose);
    socket.on('error', reject);
    const lines = headers.map((h) => `${h}\r\n`).join('');
    const request = `${options.method ?? 'GET'} ${path} HTTP/1.1\r\nHost: gw.test\r\n${lines}\r\n`;
    socket.write(Buffer.concat([Buffer.from(request, 'latin1'), options.after ?? Buffer.alloc(0)]));
  });
}

/** Read exactly `length` bytes from a socket. */
export function readBytes(socket: Socket, length: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let buffered = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      buffered = Buffer.concat([buffered, chunk]);
      if (buffered.length < length) return;
      socket.off('data', onData);
      if (buffered.length > length) socket.unshift(buffered.subarray(length));
      resolve(buffered.subarray(0, length));
    };
    socket.on('data', onData);
    socket.once('close', () => reject(new Error(`closed after ${buffered.length} of ${length} bytes`)));
  });
}

/** A masked client text frame (RFC 6455 §5.2), for payloads under 126 bytes. */
export function textFrame(text: string): Buffer {
  const payload = Buffer.from(text);
  const mask = randomBytes(4);
  const masked = payload.map((byte, i) => byte ^ mask[i % 4]!);
  return Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), mask, masked]);
}
