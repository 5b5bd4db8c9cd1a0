// WebSocket upgrades through the gateway on `websocket: true` routes, over
// raw sockets: admitted like any request (401/403/400 written on the socket,
// the upstream never asked), then proxied to an upstream that completes the
// RFC 6455 handshake and echoes bytes. The upstream receives the authorized
// path, the computed identity and no credential; repeated fields survive both
// ways. Refused and forged upgrades: upgrade-attacks.test.ts.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import { startGatewayStack } from '../helpers/gateway.js';
import { acceptFor, handshakeHeaders, readBytes, startWebSocketUpstream, textFrame, upgrade } from '../helpers/websocket.js';

t.test('websocket upgrades', async (t) => {
  const upstream = await startWebSocketUpstream(t);
  const down = createServer();
  await new Promise<void>((resolve) => down.listen(0, '127.0.0.1', resolve));
  const downOrigin = `http://127.0.0.1:${(down.address() as AddressInfo).port}`;
  await new Promise((resolve) => down.close(resolve)); // a port nobody listens on any more
  const stack = await startGatewayStack(t, {
    policy: `
upstreams:
  live: ${upstream.origin}
  quick: { url: ${upstream.origin}, timeout: 200ms }
  down: ${downOrigin}
defaults: { upstream: live, key: org }
routes:
  GET /ws/events: { scope: read, key: any, websocket: true }
  GET /ws/stuck: { scope: read, key: any, upstream: quick, websocket: true }
  GET /ws/down: { scope: read, key: any, upstream: down, websocket: true }
  GET /api/v1/organization/{organization_id}/live: { scope: read, websocket: true }
  GET /api/v1/organization/{organization_id}/live/admin: { scope: admin, websocket: true }
`,
  });
  const acme = stack.key({ org: 'acme', scopes: ['read'] });
  const globex = stack.key({ org: 'globex', scopes: ['read', 'write', 'admin'] });
  const partner = stack.key({ partner: 'p-1', scopes: ['read'] });
  const wsKey = randomBytes(16).toString('base64');
  const handshake = handshakeHeaders(wsKey);

  t.test('101: the handshake completes and bytes are echoed both ways', async (t) => {
    const before = upstream.upgrades.length;
    const opened = await upgrade(stack.gatewayPort, '/ws/events?channel=visits', [...handshake, `X-API-Key: ${acme.plainKey}`]);
    t.teardown(() => opened.socket.destroy());
    t.equal(opened.status, 101);
    t.match(opened.headers.upgrade, /^websocket$/i);
    t.match(opened.headers.connection, /upgrade/i);
    t.equal(opened.headers['sec-websocket-accept'], acceptFor(wsKey), 'RFC 6455 accept value for our key');
    t.equal(upstream.upgrades.length, before + 1, 'one upgrade reached the upstream');
    t.equal(upstream.upgrades.at(-1)!.url, '/ws/events?channel=visits', 'the authorized path and query');

    for (const message of ['hello', 'second message', 'x'.repeat(100)]) {
      const frame = textFrame(message);
      opened.socket.write(frame);
      t.same(await readBytes(opened.socket, frame.length), frame, `echoed: ${message.slice(0, 20)}`);
    }
    const burst = randomBytes(64 * 1024);
    opened.socket.write(burst);
    t.same(await readBytes(opened.socket, burst.length), burst, '64 KiB of raw bytes echoed intact');
  });

  t.test('frames sent right behind the handshake reach the upstream once the tunnel is open', async (t) => {
    const frame = textFrame('early');
    const opened = await upgrade(stack.gatewayPort, '/ws/events', [...handshake, `X-API-Key: ${acme.plainKey}`], {
      after: frame,
    });
    t.teardown(() => opened.socket.destroy());
    t.equal(opened.status, 101);
    t.same(await readBytes(opened.socket, frame.length), frame, 'echoed back through the tunnel');
  });

  t.test('repeated header fields survive both ways', async (t) => {
    const opened = await upgrade(stack.gatewayPort, '/ws/events', [
      ...handshake,
      `X-API-Key: ${acme.plainKey}`,
      'X-Trace: one',
      'X-Trace: two',
    ]);
    t.teardown(() => opened.socket.destroy());
    t.equal(opened.status, 101);
    const raw = upstream.upgrades.at(-1)!.rawHeaders;
    const traces = raw.filter((_, i) => i % 2 === 1 && raw[i - 1]!.toLowerCase() === 'x-trace');
    t.same(traces, ['one', 'two'], 'two X-Trace fields reached the upstream, in order');
    const cookies = opened.lines.filter((line) => /^set-cookie:/i.test(line));
    t.same(cookies, ['Set-Cookie: a=1', 'Set-Cookie: b=2'], "the upstream's two Set-Cookie fields reached the client");
    t.ok(opened.headers['x-request-id'], 'the gateway adds its request id');
  });

  t.test('the upstream receives the identity headers and no credential', async (t) => {
    const opened = await upgrade(stack.gatewayPort, '/api/v1/organization/acme/live', [
      ...handshake,
      `X-API-Key: ${acme.plainKey}`,
      'X-Bullseye-Organization-Id: globex',
      'X-Bullseye-Scopes: admin',
      'X-Forwarded-For: 203.0.113.9',
      'X-Request-Id: ws-trace-1',
    ]);
    t.teardown(() => opened.socket.destroy());
    t.equal(opened.status, 101);
    const seen = upstream.upgrades.at(-1)!;
    t.equal(seen.url, '/api/v1/organization/acme/live');
    t.equal(seen.headers['x-api-key'], undefined, 'credential stripped');
    t.equal(seen.headers['x-bullseye-key-id'], acme.id);
    t.equal(seen.headers['x-bullseye-organization-id'], 'acme', "the key's organization, not the claim");
    t.equal(seen.headers['x-bullseye-scopes'], 'read');
    t.equal(seen.headers['x-forwarded-for'], '127.0.0.1', 'from the connection');
    t.equal(seen.headers['x-forwarded-host'], 'gw.test');
    t.equal(seen.headers['x-request-id'], 'ws-trace-1', 'a sane request id is kept');
    t.equal(seen.headers['sec-websocket-key'], wsKey, 'the handshake headers pass through');
    t.match(seen.headers.upgrade, /^websocket$/i);

    const viaPartner = await upgrade(stack.gatewayPort, '/ws/events', [...handshake, `X-Partner-API-Key: ${partner.plainKey}`]);
    t.teardown(() => viaPartner.socket.destroy());
    t.equal(viaPartner.status, 101, 'key: any accepts a partner key');
    t.equal(upstream.upgrades.at(-1)!.headers['x-bullseye-partner-id'], 'p-1');
    t.equal(upstream.upgrades.at(-1)!.headers['x-partner-api-key'], undefined, 'partner credential stripped');
  });

  t.test('the upstream receives the canonical path and query byte for byte', async (t) => {
    // A URL in the query, a doubled slash and a quote: what a re-parse or a path join would alter.
    const target = "/ws/events?next=https://a.example//b&q='x'&tag=%7Eme";
    const opened = await upgrade(stack.gatewayPort, target, [...handshake, `X-API-Key: ${acme.plainKey}`]);
    t.teardown(() => opened.socket.destroy());
    t.equal(opened.status, 101);
    t.equal(upstream.upgrades.at(-1)!.url, target);
  });

  t.test('502 on the socket when the upstream refuses the connection', async (t) => {
    const answer = await upgrade(stack.gatewayPort, '/ws/down', [...handshake, `X-API-Key: ${acme.plainKey}`]);
    t.equal(answer.status, 502);
    t.match(answer.headers['content-type'], /^application\/problem\+json/);
    t.equal(JSON.parse(answer.body).code, 'bad_gateway');
  });

  t.test('504 on the socket when the upstream does not answer the handshake in time', async (t) => {
    const before = upstream.upgrades.length;
    const answer = await upgrade(stack.gatewayPort, '/ws/stuck', [...handshake, `X-API-Key: ${acme.plainKey}`]);
    t.equal(upstream.upgrades.length, before + 1, 'the upgrade reached the upstream, which kept silent');
    t.equal(answer.status, 504);
    t.equal(JSON.parse(answer.body).code, 'gateway_timeout');
  });

  t.test('400 on the socket: two Host headers, and the upstream saw no upgrade', async (t) => {
    const before = upstream.upgrades.length;
    const answer = await upgrade(stack.gatewayPort, '/ws/events', [...handshake, 'Host: evil.test', `X-API-Key: ${acme.plainKey}`]);
    t.equal(answer.status, 400);
    t.equal(JSON.parse(answer.body).code, 'invalid_header');
    t.equal(upstream.upgrades.length, before);
  });

  const refusals: { label: string; path: string; headers: string[]; status: number; code: string }[] = [
    { label: 'no key', path: '/ws/events', headers: handshake, status: 401, code: 'missing_key' },
    {
      label: 'unknown key',
      path: '/ws/events',
      headers: [...handshake, `X-API-Key: bsk_live_${'0'.repeat(32)}`],
      status: 401,
      code: 'invalid_key',
    },
    { label: 'malformed key', path: '/ws/events', headers: [...handshake, 'X-API-Key: nope'], status: 401, code: 'malformed_key' },
    {
      label: 'wrong organization',
      path: '/api/v1/organization/acme/live',
      headers: [...handshake, `X-API-Key: ${globex.plainKey}`],
      status: 403,
      code: 'wrong_organization',
    },
    {
      label: 'missing scope',
      path: '/api/v1/organization/acme/live/admin',
      headers: [...handshake, `X-API-Key: ${acme.plainKey}`],
      status: 403,
      code: 'insufficient_scope',
    },
    {
      label: 'a key of the other family is no key',
      path: '/api/v1/organization/acme/live',
      headers: [...handshake, `X-Partner-API-Key: ${partner.plainKey}`],
      status: 401,
      code: 'missing_key',
    },
    {
      label: 'two credentials',
      path: '/ws/events',
      headers: [...handshake, `X-API-Key: ${acme.plainKey}`, `X-Partner-API-Key: ${partner.plainKey}`],
      status: 400,
      code: 'ambiguous_credentials',
    },
    {
      label: 'dot segment',
      path: '/api/v1/organization/globex/../acme/live',
      headers: [...handshake, `X-API-Key: ${acme.plainKey}`],
      status: 400,
      code: 'invalid_request_target',
    },
    { label: 'no route', path: '/ws/other', headers: [...handshake, `X-API-Key: ${acme.plainKey}`], status: 404, code: 'route_not_found' },
  ];
  for (const refusal of refusals) {
    t.test(`${refusal.status} on the socket: ${refusal.label}, and the upstream saw no upgrade`, async (t) => {
      const before = upstream.upgrades.length;
      const answer = await upgrade(stack.gatewayPort, refusal.path, refusal.headers);
      t.equal(answer.status, refusal.status);
      t.match(answer.headers['content-type'], /^application\/problem\+json/);
      t.equal(answer.headers.connection, 'close');
      const problem = JSON.parse(answer.body);
      t.equal(problem.code, refusal.code);
      t.ok(problem.requestId, 'the problem names its request id');
      t.equal(upstream.upgrades.length, before, 'nothing reached the upstream');
    });
  }
});
