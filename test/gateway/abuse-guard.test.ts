// The failed-authentication guard is a brake on key guessing, never a
// lock-out: behind a shared NAT or an ingress every tenant comes from the same
// address, so once an address is over its budget its failures get the cheap
// 429, but a valid key from it is still served. A trip is logged once.
import t from 'tap';
import { startGatewayStack } from '../helpers/gateway.js';
import { rawRequest } from '../helpers/raw-http.js';

const VISITORS = '/api/v1/organization/acme/visitors';
const get = (key: string): string => `GET ${VISITORS} HTTP/1.1\r\nHost: gw.test\r\nX-API-Key: ${key}\r\nConnection: close\r\n\r\n`;

t.test('an address over its failure budget: junk gets 429, a valid key still passes', async (t) => {
  const stack = await startGatewayStack(t, { settingsYaml: 'rateLimit:\n  authFailures: { requests: 3, per: 1m }\n' });
  const valid = stack.key({ org: 'acme', scopes: ['read'] });
  const junk = `bsk_live_${'0'.repeat(32)}`;

  const statuses: number[] = [];
  for (let i = 0; i < 3; i++) statuses.push((await rawRequest(stack.gatewayPort, get(junk))).status);
  t.same(statuses, [401, 401, 401], 'the budget: three 401s');

  const blocked = await rawRequest(stack.gatewayPort, get(junk));
  t.equal(blocked.status, 429);
  t.equal(JSON.parse(blocked.body).code, 'too_many_failed_authentications');
  t.ok(Number(blocked.headers['retry-after']) >= 1, 'with Retry-After');

  const before = stack.upstream.received.length;
  const served = await rawRequest(stack.gatewayPort, get(valid.plainKey));
  t.equal(served.status, 200, 'a valid key from the same address is served');
  t.equal(stack.upstream.received.length, before + 1);
  t.equal(stack.upstream.received.at(-1)!.headers['x-bullseye-key-id'], valid.id);

  t.equal((await rawRequest(stack.gatewayPort, get(junk))).status, 429, 'junk is still refused after it');
  const trips = stack.admin.logs.entries().filter((entry) => entry.msg === 'failed-authentication guard tripped for an address');
  t.equal(trips.length, 1, 'the trip is logged once, not per refusal');
  t.equal(trips[0]!.clientAddress, '127.0.0.1');
});
