// How `start` reaches its own admin, and which sources those connections come
// from (trusted by that admin as its gateway's hop).
import t from 'tap';
import { loopbackOrigin, ownConnectionSources } from '../../commands/loopback-origin.js';

t.test('loopbackOrigin: the bound address, or loopback for every interface', async (t) => {
  t.equal(loopbackOrigin('0.0.0.0', 8081), 'http://127.0.0.1:8081');
  t.equal(loopbackOrigin('::', 8081), 'http://[::1]:8081');
  t.equal(loopbackOrigin('192.0.2.4', 8081), 'http://192.0.2.4:8081');
  t.equal(loopbackOrigin('fe80::1', 8081), 'http://[fe80::1]:8081');
});

t.test('ownConnectionSources: the IPv4 loopback range, ::1, the bound address, or nothing for a name', async (t) => {
  t.same(ownConnectionSources('127.0.0.1'), ['127.0.0.0/8']);
  t.same(ownConnectionSources('127.0.0.2'), ['127.0.0.0/8'], 'the kernel connects from 127.0.0.1');
  t.same(ownConnectionSources('0.0.0.0'), ['127.0.0.0/8']);
  t.same(ownConnectionSources('::'), ['::1']);
  t.same(ownConnectionSources('192.0.2.4'), ['192.0.2.4']);
  t.same(ownConnectionSources('localhost'), []);
});
