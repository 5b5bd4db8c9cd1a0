// Slow clients cannot hold what other tenants need (issue 11, requirement 4):
// headers are due within server.headersTimeout (enforced within a second of
// it), a small body is read whole before its upstream request opens, a body
// that goes silent for server.bodyIdleTimeout is cut with 408 (and, when it
// was streaming, its upstream request aborted), and one key has at most
// defaults.concurrency requests in flight. Real sockets; timeouts are
// compared with their configured value plus a margin, never absolute speed.
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { startGatewayStack } from '../helpers/gateway.js';
import { call } from '../helpers/http.js';
import { startProbe, type Arrival } from '../helpers/probe.js';
import { rawClient, type RawClient } from '../helpers/raw-client.js';
import { rawRequest, type RawResponse } from '../helpers/raw-http.js';

/** Answer with the body's length and hash once it is complete. */
const hashBody = ({ req, res }: Arrival): void => {
  const hash = createHash('sha256');
  let length = 0;
  req.on('data', (chunk: Buffer) => {
    hash.update(chunk);
    length += chunk.length;
  });
  req.on('end', () => res.end(JSON.stringify({ length, sha256: hash.digest('hex'), contentLength: req.headers['content-length'] })));
};

const problemCode = (response: RawResponse): unknown => (JSON.parse(response.body) as { code?: unknown }).code;
const sha256 = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');
const IDLE_MS = 1_000;
const HEADERS_MS = 1_000;
/** Node's timers and this machine's scheduling: how late an event may be observed. */
const SCHEDULING_MS = 250;

t.test('slow clients (headersTimeout 1s, bodyIdleTimeout 1s, bufferBodyBytes 1024)', async (t) => {
  const probe = await startProbe(t);
  const stack = await startGatewayStack(t, {
    policy: `
upstreams:
  probe: ${probe.origin}
defaults: { upstream: probe, key: org, rateLimit: { requests: 100000, per: 1m } }
routes:
  POST /api/v1/organization/{organization_id}/import: write
  GET /status: public
`,
    settingsYaml: `server: { headersTimeout: ${HEADERS_MS}ms, bodyIdleTimeout: ${IDLE_MS}ms, bufferBodyBytes: 1024 }\n`,
  });
  const acme = stack.key({ org: 'acme', scopes: ['read', 'write'] });
  const head = (...headers: string[]): string =>
    `POST /api/v1/organization/acme/import HTTP/1.1\r\nHost: gw.test\r\nX-API-Key: ${acme.plainKey}\r\n` +
    `${headers.map((h) => `${h}\r\n`).join('')}\r\n`;
  probe.handle(hashBody);

  t.test('headers not complete within headersTimeout: 408 request_timeout within a second of it', async (t) => {
    const startedAt = performance.now();
    const response = await rawRequest(stack.gatewayPort, 'GET /status HTTP/1.1\r\nHost: gw.test\r\nX-Partial: ');
    const elapsed = performance.now() - startedAt;
    t.equal(response.status, 408);
    t.match(response.headers['content-type'], /^application\/problem\+json/);
    t.equal(problemCode(response), 'request_timeout');
    t.ok(elapsed >= HEADERS_MS - 50, `not before the timeout (${Math.round(elapsed)} ms)`);
    t.ok(elapsed < HEADERS_MS + 1_000 + SCHEDULING_MS, `within a second of it (${Math.round(elapsed)} ms), not Node's 30 s sweep`);
  });

  t.test('a small body that stalls is never forwarded: 408 after bodyIdleTimeout', async (t) => {
    const cases = [
      { name: 'Content-Length 10, 1 byte sent', request: head('Content-Length: 10') + 'x' },
      { name: 'chunked, 5 bytes sent', request: head('Transfer-Encoding: chunked') + '5\r\nhello\r\n' },
    ];
    for (const { name, request } of cases) {
      const seenBefore = probe.arrivals.length;
      const client = rawClient(t, stack.gatewayPort);
      client.write(request);
      const stalledAt = performance.now();
      const response = await client.response;
      const elapsed = performance.now() - stalledAt;
      t.equal(response.status, 408, `${name}: 408`);
      t.equal(problemCode(response), 'request_timeout', `${name}: request_timeout`);
      t.match(response.headers['content-type'], /^application\/problem\+json/);
      t.equal(response.headers.connection, 'close', `${name}: the half-sent body cannot be followed by another request`);
      t.ok(elapsed >= IDLE_MS - 50, `${name}: after the idle timeout (${Math.round(elapsed)} ms)`);
      t.ok(elapsed < IDLE_MS + 1_500, `${name}: and soon after it (${Math.round(elapsed)} ms)`);
      t.equal(probe.arrivals.length, seenBefore, `${name}: the upstream never saw the request`);
      await once(client.socket, 'close');
    }
  });

  t.test('a small body sent slowly, each pause shorter than the idle timeout, is forwarded intact once complete', async (t) => {
    const pause = IDLE_MS / 4;
    const body = 'abcdefghij';
    const pieces = body.match(/../g)!;
    const cases = [
      { name: 'Content-Length', head: head(`Content-Length: ${body.length}`), writes: pieces },
      {
        name: 'chunked',
        head: head('Transfer-Encoding: chunked'),
        writes: [...pieces.slice(0, -1).map((p) => `2\r\n${p}\r\n`), `2\r\n${pieces.at(-1)}\r\n0\r\n\r\n`],
      },
    ];
    for (const c of cases) {
      const before = probe.arrivals.length;
      const client = rawClient(t, stack.gatewayPort);
      const startedAt = performance.now();
      client.write(c.head);
      // Five pauses of a quarter of the idle timeout: longer than the timeout in total, never idle for it.
      for (const piece of c.writes) {
        await sleep(pause);
        t.equal(probe.arrivals.length, before, `${c.name}: nothing forwarded while the body is incomplete`);
        client.write(piece);
      }
      const lastByteAt = performance.now();
      const response = await client.response;
      t.equal(response.status, 200, `${c.name}: forwarded`);
      t.ok(lastByteAt - startedAt > IDLE_MS, `${c.name}: the body took longer than the idle timeout in total`);
      const answer = JSON.parse(response.body) as { length: number; sha256: string; contentLength: string };
      t.equal(answer.sha256, sha256(body), `${c.name}: byte for byte`);
      t.equal(answer.contentLength, String(body.length), `${c.name}: sent upstream with its length`);
      t.equal(probe.arrivals.length, before + 1);
      t.ok(probe.arrivals.at(-1)!.at >= lastByteAt, `${c.name}: the upstream request opened only after the last byte`);
    }
  });

  t.test('Expect: 100-continue: 100 first, then the body is read and forwarded', async (t) => {
    const client = rawClient(t, stack.gatewayPort);
    client.write(head('Content-Length: 2', 'Expect: 100-continue'));
    const before = probe.arrivals.length;
    await client.receives(/^HTTP\/1\.1 100 Continue\r\n\r\n/);
    t.pass('invited to send the body once admitted');
    t.equal(probe.arrivals.length, before, 'and nothing forwarded before the body comes');
    client.write('{}');
    const response = await client.response;
    t.equal(response.status, 200);
    t.equal(probe.arrivals.length, before + 1);
    t.equal((JSON.parse(response.body) as { sha256: string }).sha256, sha256('{}'));
  });

  t.test('a client that leaves while its small body is being read: logged 499, nothing forwarded', async (t) => {
    const before = probe.arrivals.length;
    const requestId = 'gone-while-buffering';
    const client = rawClient(t, stack.gatewayPort);
    client.write(head('Content-Length: 10', 'Expect: 100-continue', `X-Request-Id: ${requestId}`));
    await client.receives(/^HTTP\/1\.1 100 Continue\r\n\r\n/); // admitted: the gateway is reading the body now
    client.write('x');
    client.socket.destroy();
    const logged = await stack.admin.logs.entry((entry) => entry.msg === 'request' && entry.requestId === requestId);
    t.match(logged, { status: 499, errorCode: 'client_closed_request' });
    t.equal(probe.arrivals.length, before, 'the upstream never saw the request');
  });

  t.test('a large body streams, and a stall aborts its upstream request: 408', async (t) => {
    const first = randomBytes(2048);
    const arrived = probe.nextRequest();
    let reading!: () => void;
    const upstreamReading = new Promise<void>((resolve) => (reading = resolve));
    probe.handle(({ req }) => {
      req.once('data', () => reading());
      req.resume(); // never answers: only the stall can end this
    });
    t.teardown(() => probe.handle(hashBody));
    const client = rawClient(t, stack.gatewayPort);
    client.write(head('Content-Length: 4096'));
    client.write(first);
    // The body stalls from here: the gateway's idle timer starts when these bytes reach it, later
    // than this, so time since here is never shorter than the timeout (the upstream's first read,
    // awaited next, may come long after on a busy machine).
    const stalledAt = performance.now();
    const { req } = await arrived;
    await upstreamReading;
    t.pass('the upstream request started before the body was complete');
    const upstreamClosed = new Promise<void>((resolve) => req.once('close', resolve));
    const response = await client.response;
    const elapsed = performance.now() - stalledAt;
    t.equal(response.status, 408);
    t.equal(problemCode(response), 'request_timeout');
    t.ok(elapsed >= IDLE_MS - 50, `after the idle timeout (${Math.round(elapsed)} ms)`);
    t.ok(elapsed < IDLE_MS + 1_500, `and soon after it (${Math.round(elapsed)} ms)`);
    await upstreamClosed;
    t.equal(req.complete, false, 'the upstream saw its request aborted, not completed');
    t.ok(req.socket.destroyed, 'and its connection closed: the pool slot is free');
  });

  t.test('a large body that stalls after the upstream answered: the response is cut, the upstream request aborted', async (t) => {
    const arrived = probe.nextRequest();
    probe.handle(({ req, res }) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('partial');
    });
    t.teardown(() => probe.handle(hashBody));
    const client = rawClient(t, stack.gatewayPort);
    client.write(head('Content-Length: 4096'));
    client.write(randomBytes(2048));
    const stalledAt = performance.now(); // as above: the idle timer starts later than this
    const { req } = await arrived;
    await client.receives(/partial/);
    const upstreamClosed = new Promise<void>((resolve) => req.once('close', resolve));
    const response = await client.response;
    const elapsed = performance.now() - stalledAt;
    t.equal(response.status, 200, 'the upstream had answered');
    t.ok(response.closedEarly, 'the response was cut, not completed');
    t.ok(elapsed >= IDLE_MS - 50, `after the idle timeout (${Math.round(elapsed)} ms)`);
    t.ok(elapsed < IDLE_MS + 1_500, `and soon after it (${Math.round(elapsed)} ms)`);
    await upstreamClosed;
    t.equal(req.complete, false, 'the upstream saw its request aborted');
  });

  t.test('a chunked body that outgrows the limit streams: the chunks already read first, then the rest', async (t) => {
    const parts = [randomBytes(600), randomBytes(600), randomBytes(600), randomBytes(300)];
    const frame = (part: Buffer): Buffer => Buffer.concat([Buffer.from(`${part.length.toString(16)}\r\n`), part, Buffer.from('\r\n')]);
    const arrived = probe.nextRequest();
    const client = rawClient(t, stack.gatewayPort);
    client.write(head('Transfer-Encoding: chunked'));
    for (const part of parts.slice(0, 3)) client.write(frame(part));
    await arrived;
    t.pass('the upstream request started before the body was complete');
    client.write(frame(parts[3]!));
    client.write('0\r\n\r\n');
    const response = await client.response;
    t.equal(response.status, 200);
    const answer = JSON.parse(response.body) as { length: number; sha256: string; contentLength?: string };
    t.equal(answer.length, 2100);
    t.equal(answer.sha256, sha256(Buffer.concat(parts)), 'byte for byte, in order');
    t.equal(answer.contentLength, undefined, 'streamed chunked, since its length was not known in time');
  });
});

t.test('regression (issue 11): 140 stalled bodies from one key leave the upstream free for other organizations', async (t) => {
  const probe = await startProbe(t);
  // Like an application: it answers once it has the whole request.
  probe.handle(({ req, res }) => {
    req.resume();
    req.on('end', () => res.end('{"ok":true}'));
  });
  // The defaults the finding was measured with: 128 upstream connections, 64 KiB buffered, concurrency 100.
  const stack = await startGatewayStack(t, {
    policy: `
upstreams:
  probe: ${probe.origin}
defaults: { upstream: probe, key: org, rateLimit: { requests: 1000, per: 1m } }
routes:
  POST /api/v1/organization/{organization_id}/import: write
  GET /api/v1/organization/{organization_id}/visitors: read
`,
    settingsYaml: 'upstream: { connections: 128 }\n',
  });
  const acme = stack.key({ org: 'acme', scopes: ['read', 'write'] });
  const globex = stack.key({ org: 'globex', scopes: ['read'] });
  const STALLED = 140;
  const clients: RawClient[] = [];
  let refused = 0;
  let answered = 0;
  let allAnswered!: () => void;
  const fortyAnswered = new Promise<void>((resolve) => (allAnswered = resolve));
  for (let i = 0; i < STALLED; i++) {
    const client = rawClient(t, stack.gatewayPort);
    clients.push(client);
    client.write(
      `POST /api/v1/organization/acme/import HTTP/1.1\r\nHost: gw.test\r\nX-API-Key: ${acme.plainKey}\r\n` +
        'Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{',
    );
    void client.response.then((response) => {
      if (response.status === 429 && problemCode(response) === 'too_many_concurrent_requests') refused++;
      answered++;
      if (answered === STALLED - 100) allAnswered();
    });
  }
  // Every stalled request has been admitted or refused once 40 are answered: a refusal means 100 are held.
  const settled = await Promise.race([fortyAnswered.then(() => true), sleep(10_000, false, { ref: false })]);
  t.ok(settled, 'the 40 over the key cap were answered');
  const startedAt = performance.now();
  const response = await call(stack.gatewayUrl, 'GET', '/api/v1/organization/globex/visitors', { headers: globex.headers });
  const elapsed = performance.now() - startedAt;
  t.equal(response.status, 200, "the other organization's request is served");
  t.ok(elapsed < 1_000, `within a second (${elapsed.toFixed(1)} ms)`);
  t.equal(refused, 40, 'the requests past defaults.concurrency (100) were refused with 429 too_many_concurrent_requests');
  t.equal(answered, 40, 'the other 100 are still held, waiting for their bodies');
  t.equal(probe.arrivals.length, 1, 'the upstream saw none of the stalled requests, only the GET');
  t.equal(probe.opened(), 1, 'and one connection was opened to it: none held by a stalled body');
  t.comment(
    `globex GET with ${STALLED} stalled acme bodies: ${elapsed.toFixed(1)} ms; ` +
      `${refused} refused with 429 too_many_concurrent_requests; upstream connections held by stalled bodies: ` +
      `${probe.opened() - 1}; upstream requests from them: ${probe.arrivals.length - 1}`,
  );
  for (const client of clients) client.socket.destroy();
});

t.test('defaults.concurrency: a key holds at most that many requests in flight', async (t) => {
  const stack = await startGatewayStack(t, {
    policy: `
upstreams:
  app: \${UPSTREAM}
defaults: { upstream: app, key: org, rateLimit: { requests: 1000, per: 1m }, concurrency: 2 }
routes:
  GET /api/v1/organization/{organization_id}/visitors: read
`,
  });
  const acme = stack.key({ org: 'acme', scopes: ['read'] });
  const globex = stack.key({ org: 'globex', scopes: ['read'] });
  const held: ServerResponse[] = [];
  let heldTwo!: () => void;
  const twoHeld = new Promise<void>((resolve) => (heldTwo = resolve));
  stack.upstream.respond((request, res) => {
    if (request.url.includes('hold=')) {
      held.push(res);
      if (held.length === 2) heldTwo();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
  const visitors = (org: string, query = ''): string => `/api/v1/organization/${org}/visitors${query}`;
  const get = (path: string, headers: Record<string, string>) => call(stack.gatewayUrl, 'GET', path, { headers });

  const first = get(visitors('acme', '?hold=1'), acme.headers);
  const second = get(visitors('acme', '?hold=2'), acme.headers);
  await twoHeld;
  const seen = stack.upstream.received.length;

  const third = await get(visitors('acme'), acme.headers);
  t.equal(third.status, 429, 'a third request from the same key is refused');
  t.equal(third.json?.code, 'too_many_concurrent_requests');
  t.match(third.headers['content-type'], /^application\/problem\+json/);
  t.equal(third.headers['retry-after'], '1', 'with Retry-After');
  t.equal(stack.upstream.received.length, seen, 'and never reaches the upstream');

  const other = await get(visitors('globex'), globex.headers);
  t.equal(other.status, 200, "another key's request is unaffected");

  held.shift()!.end('{}');
  const firstDone = await Promise.race([first, second]);
  t.equal(firstDone.status, 200, 'a held request completes');
  const again = await get(visitors('acme'), acme.headers);
  t.equal(again.status, 200, 'its slot is released: the same key is served again');
  const remainingOfHeld = Number(firstDone.headers['x-ratelimit-remaining']);
  t.ok(remainingOfHeld === 999 || remainingOfHeld === 998, 'the two held requests took a token each');
  t.equal(again.headers['x-ratelimit-remaining'], '997', 'the refused request took no token: 1000 - 2 held - this one');

  held.shift()!.end('{}');
  t.equal((await first).status, 200);
  t.equal((await second).status, 200);
});

t.test('regression: a request timeout while a long body streams cuts the started response, never writes a 408 into it', async (t) => {
  const probe = await startProbe(t);
  const REQUEST_MS = 1_500;
  const stack = await startGatewayStack(t, {
    policy: `
upstreams:
  probe: ${probe.origin}
defaults: { upstream: probe, key: org }
routes:
  POST /api/v1/organization/{organization_id}/import: write
`,
    settingsYaml: `server: { headersTimeout: 500ms, requestTimeout: ${REQUEST_MS}ms, bodyIdleTimeout: 10s, bufferBodyBytes: 1024 }\n`,
  });
  const acme = stack.key({ org: 'acme', scopes: ['write'] });
  const arrived = probe.nextRequest();
  probe.handle(({ req, res }) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.write('partial');
  });
  const client = rawClient(t, stack.gatewayPort);
  client.write(
    `POST /api/v1/organization/acme/import HTTP/1.1\r\nHost: gw.test\r\nX-API-Key: ${acme.plainKey}\r\nContent-Length: 1000000\r\n\r\n`,
  );
  client.write(randomBytes(2048));
  await arrived;
  await client.receives(/partial/);
  // Keep the body moving (never idle) until Node's request timeout ends the exchange.
  const trickle = setInterval(() => client.write(randomBytes(16)), 200);
  t.teardown(() => clearInterval(trickle));
  const response = await client.response;
  clearInterval(trickle);
  t.equal(response.status, 200, 'the upstream had answered');
  t.ok(response.closedEarly, 'the response was cut');
  t.notMatch(response.raw, /HTTP\/1\.1 408/, 'no second status line inside the first response');
});
