// The attack suite, framing part: request-smuggling shapes (conflicting or
// malformed lengths and encodings) are refused, and a request hidden in a
// refused request's body is never parsed as a request of its own.
import { connect } from 'node:net';
import t from 'tap';
import { type Attack, EXPECT, LISTS, request, runAttackGroups, startAttackStack, VISITORS } from '../helpers/attack-suite.js';

/** Every response written on one connection until the server closes it (for pipelining cases). */
function allResponses(port: number, payload: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1' });
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
    socket.write(payload);
  });
}
// Responses follow each other's bodies directly, so no line anchor.
const statusLines = (raw: string): string[] => raw.match(/HTTP\/1\.1 \d{3}/g) ?? [];
t.test('attack suite: smuggling', async (t) => {
  const { stack, key } = await startAttackStack(t);
  const { malformed } = EXPECT;

  // The hidden request would be served if the parser lost track of the body; it carries a valid key.
  const hidden = request(`GET ${VISITORS} HTTP/1.1`, key).replace('Connection: close\r\n', '');
  const smuggling: Attack[] = [
    {
      label: 'Content-Length and Transfer-Encoding',
      bytes: `POST ${LISTS} HTTP/1.1\r\nHost: gw.test\r\n${key}\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n0\r\n\r\n`,
      expect: malformed,
    },
    {
      label: 'two different Content-Length values',
      bytes: `POST ${LISTS} HTTP/1.1\r\nHost: gw.test\r\n${key}\r\nContent-Length: 2\r\nContent-Length: 4\r\nConnection: close\r\n\r\n{}{}`,
      expect: malformed,
    },
    {
      label: 'two equal Content-Length headers',
      bytes: `POST ${LISTS} HTTP/1.1\r\nHost: gw.test\r\n${key}\r\nContent-Length: 2\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`,
      expect: malformed,
    },
    {
      label: 'Content-Length list "2, 2"',
      bytes: `POST ${LISTS} HTTP/1.1\r\nHost: gw.test\r\n${key}\r\nContent-Length: 2, 2\r\nConnection: close\r\n\r\n{}`,
      expect: malformed,
    },
    {
      label: 'Transfer-Encoding: chunked, identity',
      bytes: `POST ${LISTS} HTTP/1.1\r\nHost: gw.test\r\n${key}\r\nTransfer-Encoding: chunked, identity\r\nConnection: close\r\n\r\n0\r\n\r\n`,
      expect: malformed,
    },
    {
      label: 'obs-fold Transfer-Encoding',
      bytes: `POST ${LISTS} HTTP/1.1\r\nHost: gw.test\r\n${key}\r\nTransfer-Encoding:\r\n chunked\r\nConnection: close\r\n\r\n0\r\n\r\n`,
      expect: malformed,
    },
    {
      label: 'chunk-size garbage',
      bytes: `POST ${LISTS} HTTP/1.1\r\nHost: gw.test\r\n${key}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\n{}\r\n0\r\n\r\n`,
      expect: malformed,
    },
    {
      label: 'negative Content-Length',
      bytes: `POST ${LISTS} HTTP/1.1\r\nHost: gw.test\r\n${key}\r\nContent-Length: -1\r\nConnection: close\r\n\r\n`,
      expect: malformed,
    },
    {
      label: "a second request hidden in a refused request's body",
      bytes: `POST ${LISTS} HTTP/1.1\r\nHost: gw.test\r\nContent-Length: ${hidden.length}\r\nConnection: close\r\n\r\n${hidden}`,
      expect: { status: 401, code: 'missing_key' },
    },
  ];

  t.test('a hidden request stays body: the parser keeps its place on a kept-alive connection', async (t) => {
    const before = stack.upstream.received.length;
    // Refused POST (no key) whose body is a valid request, then a refused request that closes.
    const trailing = request('GET /api/v1/unknown HTTP/1.1');
    const refused = `POST ${LISTS} HTTP/1.1\r\nHost: gw.test\r\nContent-Length: ${hidden.length}\r\n\r\n${hidden}`;
    const raw = await allResponses(stack.gatewayPort, refused + trailing);
    t.same(statusLines(raw), ['HTTP/1.1 401', 'HTTP/1.1 404'], 'one answer per real request, none for the hidden one');
    t.equal(stack.upstream.received.length, before, 'the hidden request never reached the upstream');
    const chunked = `POST ${LISTS} HTTP/1.1\r\nHost: gw.test\r\nTransfer-Encoding: chunked\r\n\r\n${hidden.length.toString(16)}\r\n${hidden}\r\n0\r\n\r\n`;
    const rawChunked = await allResponses(stack.gatewayPort, chunked + trailing);
    t.same(statusLines(rawChunked), ['HTTP/1.1 401', 'HTTP/1.1 404'], 'the same inside a chunked body');
    t.equal(stack.upstream.received.length, before, 'nothing reached the upstream');
  });

  runAttackGroups(t, stack, { smuggling }, request(`GET ${VISITORS} HTTP/1.1`, key));
});
