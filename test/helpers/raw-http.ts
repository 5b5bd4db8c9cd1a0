// Send bytes exactly as written over a real socket and read one response.
// For attack tests: malformed targets, duplicated headers, smuggling tricks
// that a well-behaved client library would refuse to produce.
import { connect } from 'node:net';

export interface RawResponse {
  /** 0 when the server closed the connection without a status line. */
  status: number;
  headers: Record<string, string>;
  body: string;
  raw: string;
}

export function rawRequest(port: number, payload: string | Buffer, host = '127.0.0.1'): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host });
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => {
      chunks.push(chunk);
      const text = Buffer.concat(chunks).toString('latin1');
      const parsed = parse(text);
      // Stop after one complete response: servers may keep the connection open.
      if (parsed && complete(parsed)) socket.destroy();
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(parse(Buffer.concat(chunks).toString('latin1')) ?? empty(chunks)));
    socket.write(payload);
  });
}

const empty = (chunks: Buffer[]): RawResponse => ({
  status: 0,
  headers: {},
  body: '',
  raw: Buffer.concat(chunks).toString('latin1'),
});

function parse(text: string): RawResponse | undefined {
  const end = text.indexOf('\r\n\r\n');
  if (end === -1) return undefined;
  const [statusLine, ...lines] = text.slice(0, end).split('\r\n');
  const status = Number(statusLine?.split(' ')[1] ?? 0);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status, headers, body: text.slice(end + 4), raw: text };
}

function complete(response: RawResponse): boolean {
  const length = response.headers['content-length'];
  if (length !== undefined) return Buffer.byteLength(response.body, 'latin1') >= Number(length);
  if (response.headers['transfer-encoding'] === 'chunked') return response.body.endsWith('0\r\n\r\n');
  return false;
}
