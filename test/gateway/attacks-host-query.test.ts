// The attack suite, Host and query part, over real sockets: Host is forwarded
// as X-Forwarded-Host, which upstreams build links and redirects from, and
// frameworks that merge path and query parameters may let a query parameter
// win over the authorized path. Every refused case ends in a 4xx problem
// document with nothing at the upstream; the valid forms are forwarded.
import t from 'tap';
import { LISTS, request, requestTo, runAttackGroups, VISITORS, type Attack } from '../helpers/attack-suite.js';
import { startGatewayStack } from '../helpers/gateway.js';
import { rawRequest } from '../helpers/raw-http.js';

t.test('attack suite: Host and query', async (t) => {
  const stack = await startGatewayStack(t);
  const acme = stack.key({ org: 'acme', scopes: ['read', 'write'] });
  const key = `X-API-Key: ${acme.plainKey}`;
  const badTarget = { status: 400, code: 'invalid_request_target' };
  const badHeader = { status: 400, code: 'invalid_header' };

  // Host is forwarded as X-Forwarded-Host, which upstreams build links and redirects from.
  const hostTricks: Attack[] = [
    { label: 'space inside the host', bytes: requestTo('gw test', `GET ${VISITORS} HTTP/1.1`, key), expect: badHeader },
    { label: 'userinfo', bytes: requestTo('user:pass@gw.test', `GET ${VISITORS} HTTP/1.1`, key), expect: badHeader },
    { label: 'userinfo without a password', bytes: requestTo('evil.test@gw.test', `GET ${VISITORS} HTTP/1.1`, key), expect: badHeader },
    { label: 'a path after the host', bytes: requestTo('gw.test/admin', `GET ${VISITORS} HTTP/1.1`, key), expect: badHeader },
    { label: 'a query after the host', bytes: requestTo('gw.test?x=1', `GET ${VISITORS} HTTP/1.1`, key), expect: badHeader },
    { label: 'a list of hosts', bytes: requestTo('gw.test,evil.test', `GET ${VISITORS} HTTP/1.1`, key), expect: badHeader },
    { label: 'port 0', bytes: requestTo('gw.test:0', `GET ${VISITORS} HTTP/1.1`, key), expect: badHeader },
    { label: 'port 99999', bytes: requestTo('gw.test:99999', `GET ${VISITORS} HTTP/1.1`, key), expect: badHeader },
    { label: 'port 65536', bytes: requestTo('gw.test:65536', `GET ${VISITORS} HTTP/1.1`, key), expect: badHeader },
    { label: 'empty port', bytes: requestTo('gw.test:', `GET ${VISITORS} HTTP/1.1`, key), expect: badHeader },
    { label: 'non-numeric port', bytes: requestTo('gw.test:http', `GET ${VISITORS} HTTP/1.1`, key), expect: badHeader },
    { label: 'two ports', bytes: requestTo('gw.test:80:81', `GET ${VISITORS} HTTP/1.1`, key), expect: badHeader },
    { label: 'unbracketed IPv6', bytes: requestTo('::1', `GET ${VISITORS} HTTP/1.1`, key), expect: badHeader },
    { label: 'bad IPv6 [::g]', bytes: requestTo('[::g]', `GET ${VISITORS} HTTP/1.1`, key), expect: badHeader },
    { label: 'IPv6 without its closing bracket', bytes: requestTo('[::1:8080', `GET ${VISITORS} HTTP/1.1`, key), expect: badHeader },
    { label: 'IPv6 with a zone', bytes: requestTo('[fe80::1%25eth0]', `GET ${VISITORS} HTTP/1.1`, key), expect: badHeader },
    {
      label: 'IPv4 in hex (an URL parser reads 127.0.0.1)',
      bytes: requestTo('0x7f.0.0.1', `GET ${VISITORS} HTTP/1.1`, key),
      expect: badHeader,
    },
    { label: 'IPv4 shorthand 127.1', bytes: requestTo('127.1', `GET ${VISITORS} HTTP/1.1`, key), expect: badHeader },
    { label: 'IPv4 octet over 255', bytes: requestTo('1.2.3.999', `GET ${VISITORS} HTTP/1.1`, key), expect: badHeader },
    { label: 'percent-encoded host', bytes: requestTo('gw%2etest', `GET ${VISITORS} HTTP/1.1`, key), expect: badHeader },
    {
      label: 'non-ASCII host byte',
      bytes: Buffer.from(requestTo('gw\xa0test', `GET ${VISITORS} HTTP/1.1`, key), 'latin1'),
      expect: badHeader,
    },
    { label: 'empty host', bytes: requestTo('', `GET ${VISITORS} HTTP/1.1`, key), expect: badHeader },
    { label: 'bad host on a public route', bytes: requestTo('user@gw.test', 'GET /status HTTP/1.1'), expect: badHeader },
  ];

  // Frameworks that merge path and query parameters may let the query win over the authorized path.
  const queryTricks: Attack[] = [
    {
      label: 'organization_id=globex restating the path',
      bytes: request(`GET ${VISITORS}?organization_id=globex HTTP/1.1`, key),
      expect: badTarget,
    },
    { label: 'after other parameters', bytes: request(`GET ${VISITORS}?page=2&organization_id=globex HTTP/1.1`, key), expect: badTarget },
    {
      label: 'a second copy with another value',
      bytes: request(`GET ${VISITORS}?organization_id=acme&organization_id=globex HTTP/1.1`, key),
      expect: badTarget,
    },
    { label: 'upper case Organization_ID', bytes: request(`GET ${VISITORS}?Organization_ID=globex HTTP/1.1`, key), expect: badTarget },
    { label: 'hyphen organization-id', bytes: request(`GET ${VISITORS}?organization-id=globex HTTP/1.1`, key), expect: badTarget },
    { label: 'camel case organizationId', bytes: request(`GET ${VISITORS}?organizationId=globex HTTP/1.1`, key), expect: badTarget },
    {
      label: 'percent-encoded name organization%5Fid',
      bytes: request(`GET ${VISITORS}?organization%5Fid=globex HTTP/1.1`, key),
      expect: badTarget,
    },
    {
      label: '+ in the name (PHP reads organization_id)',
      bytes: request(`GET ${VISITORS}?organization+id=globex HTTP/1.1`, key),
      expect: badTarget,
    },
    { label: 'array form organization_id[]', bytes: request(`GET ${VISITORS}?organization_id[]=globex HTTP/1.1`, key), expect: badTarget },
    { label: '; as a separator', bytes: request(`GET ${VISITORS}?x=1;organization_id=globex HTTP/1.1`, key), expect: badTarget },
    { label: 'case variant of the value', bytes: request(`GET ${VISITORS}?organization_id=ACME HTTP/1.1`, key), expect: badTarget },
    { label: 'empty value', bytes: request(`GET ${VISITORS}?organization_id= HTTP/1.1`, key), expect: badTarget },
    {
      label: 'another list than the path names (list_id for {listId})',
      bytes: request(`GET ${LISTS}/l-1?list_id=l-2 HTTP/1.1`, key),
      expect: badTarget,
    },
    {
      label: 'on a write route',
      bytes: request(`POST ${LISTS}?organization_id=globex HTTP/1.1`, key, 'Content-Length: 0'),
      expect: badTarget,
    },
    {
      label: 'on a forwardKey route (admin)',
      bytes: request('GET /api/v1/organization/acme/api-keys?organization_id=globex HTTP/1.1', key),
      expect: badTarget,
    },
  ];

  runAttackGroups(t, stack, { 'host tricks': hostTricks, 'query tricks': queryTricks }, request(`GET ${VISITORS} HTTP/1.1`, key));

  t.test('accepted: valid Host forms, a restated path parameter with its own value', async (t) => {
    for (const host of ['[::1]:8080', '[2001:db8::1]', '127.0.0.1:8080', '10.0.0.9', 'gw.test:65535', 'api.example.', 'my_service:3000']) {
      const response = await rawRequest(stack.gatewayPort, requestTo(host, `GET ${VISITORS} HTTP/1.1`, key));
      t.equal(response.status, 200, `Host ${host} accepted`);
      t.equal(stack.upstream.received.at(-1)!.headers['x-forwarded-host'], host, `Host ${host} forwarded as X-Forwarded-Host`);
    }
    for (const query of ['?organization_id=acme', '?organization_id=%61cme&page=2', '?Organization-Id=acme', '?method=card']) {
      const response = await rawRequest(stack.gatewayPort, request(`GET ${VISITORS}${query} HTTP/1.1`, key));
      t.equal(response.status, 200, `${query} accepted`);
      t.equal(stack.upstream.received.at(-1)!.url, `${VISITORS}${query}`, `${query} forwarded`);
    }
    const list = await rawRequest(stack.gatewayPort, request(`GET ${LISTS}/l-1?list_id=l-1 HTTP/1.1`, key));
    t.equal(list.status, 200, '{listId} restated with its own value');
    // A fullwidth letter is not a delimiter: it is data (and no route literal matches it).
    const letters = await rawRequest(stack.gatewayPort, request(`GET ${LISTS}/%EF%BD%8C-1 HTTP/1.1`, key));
    t.equal(letters.status, 200, 'a fullwidth letter in a parameter is forwarded');
    t.equal(stack.upstream.received.at(-1)!.url, `${LISTS}/%EF%BD%8C-1`);
  });
});
