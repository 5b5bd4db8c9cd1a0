// The client of a request (core/request-client.ts): X-Forwarded-For is never
// read without trusted proxies, and the chain told to the next hop starts at
// the client that was judged.
import t from 'tap';
import { clientAddressResolver, forwardedFor, type PeerRequest } from '../../core/request-client.js';

const request = (remoteAddress: string | undefined, xff?: string | string[]): PeerRequest => ({
  socket: { remoteAddress },
  headers: xff === undefined ? {} : { 'x-forwarded-for': xff },
});

t.test('no trusted proxies: the peer, and the headers are never read', async (t) => {
  const req = {
    socket: { remoteAddress: '192.0.2.1' },
    get headers(): never {
      throw new Error('headers read');
    },
  };
  t.equal(clientAddressResolver([])(req), '192.0.2.1');
  t.equal(forwardedFor(req, '192.0.2.1'), '192.0.2.1');
});

t.test('trusted proxies: the right-most untrusted entry, over repeated fields', async (t) => {
  const clientOf = clientAddressResolver(['10.0.0.0/8']);
  t.equal(clientOf(request('10.0.0.1', '198.51.100.7, 192.0.2.9, 10.0.0.2')), '192.0.2.9');
  t.equal(clientOf(request('10.0.0.1', ['192.0.2.9', '10.0.0.2'])), '192.0.2.9');
  t.equal(clientOf(request('192.0.2.1', '10.0.0.2')), '192.0.2.1', 'an untrusted peer: its header is ignored');
  t.equal(clientOf(request(undefined, '192.0.2.9')), undefined, 'a closed socket');
});

t.test('forwardedFor: the chain from the judged client to the peer; what the client prepended is dropped', async (t) => {
  t.equal(forwardedFor(request('10.0.0.1', '6.6.6.6, 192.0.2.9,10.0.0.2'), '192.0.2.9'), '192.0.2.9, 10.0.0.2, 10.0.0.1');
  t.equal(forwardedFor(request('10.0.0.1', ['6.6.6.6', ' 192.0.2.9\t', '10.0.0.2']), '192.0.2.9'), '192.0.2.9, 10.0.0.2, 10.0.0.1');
  t.equal(forwardedFor(request('10.0.0.1', '10.0.0.3, 10.0.0.2'), '10.0.0.3'), '10.0.0.3, 10.0.0.2, 10.0.0.1', 'every entry trusted');
  t.equal(forwardedFor(request('10.0.0.1'), '10.0.0.1'), '10.0.0.1', 'no header: the peer');
  t.equal(forwardedFor(request(undefined), undefined), '', 'a closed socket');
});
