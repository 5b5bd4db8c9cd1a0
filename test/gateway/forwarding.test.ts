// Step 6 over real sockets: bodies streamed both ways, the headers the
// upstream is given, upstream failures (refused 502, slow 504), a client that
// leaves aborting its upstream request, no retry of a POST, and bodiless
// responses (HEAD, 204, 304).
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect } from 'node:net';
import t from 'tap';
import { startGatewayStack } from '../helpers/gateway.js';
import { call } from '../helpers/http.js';
import { startProbe } from '../helpers/probe.js';
import { rawRequest } from '../helpers/raw-http.js';
import { startRedis } from '../helpers/redis-server.js';
import { startUpstream, type ReceivedRequest } from '../helpers/upstream.js';

const sha256 = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ORG = '/api/v1/organization/acme';
/** The recording upstream's default answer, put back after a test installs its own. */
const echo = (request: ReceivedRequest, res: ServerResponse): void => {
  res.writeHead(200, { 'content-type': 'application/json', 'x-upstream': 'test' }).end(JSON.stringify({ url: request.url }));
};

t.test('forwarding', async (t) => {
  const probe = await startProbe(t);
  // Closed by the 502 test before its request: a port nobody listens on any more.
  const gone = await startUpstream(t);
  const stack = await startGatewayStack(t, {
    policy: `
upstreams:
  app: \${UPSTREAM}
  keyed: { url: \${UPSTREAM}, forwardKey: true }
  probe: ${probe.origin}
  slow: { url: ${probe.origin}, timeout: 200ms }
  gone: ${gone.origin}
defaults: { upstream: app, key: org, rateLimit: { requests: 100000, per: 1m } }
routes:
  GET /api/v1/organization/{organization_id}/visitors: read
  HEAD /api/v1/organization/{organization_id}/visitors: read
  POST /api/v1/organization/{organization_id}/lists: write
  GET /api/v1/organization/{organization_id}/keyed: { scope: read, upstream: keyed }
  GET /api/v1/organization/{organization_id}/export: { scope: read, upstream: probe }
  POST /api/v1/organization/{organization_id}/import: { scope: write, upstream: probe }
  GET /api/v1/organization/{organization_id}/slow: { scope: read, upstream: slow }
  GET /api/v1/organization/{organization_id}/down: { scope: read, upstream: gone }
`,
  });
  const acme = stack.key({ org: 'acme', scopes: ['read', 'write'] });
  const key = `X-API-Key: ${acme.plainKey}`;
  /** Raw request bytes, closed after the response. */
  const raw = (startLine: string, ...headers: string[]): string =>
    `${startLine}\r\nHost: gw.test\r\n${headers.map((h) => `${h}\r\n`).join('')}Connection: close\r\n\r\n`;

  t.test('a 1 MB request body arrives intact', async (t) => {
    const body = randomBytes(512 * 1024).toString('hex');
    const response = await call(stack.gatewayUrl, 'POST', `${ORG}/lists`, { headers: acme.headers, body });
    t.equal(response.status, 200);
    const seen = stack.upstream.received.at(-1)!;
    t.equal(seen.body.length, 1024 * 1024);
    t.equal(sha256(seen.body), sha256(body), 'byte for byte');
    t.equal(seen.headers['content-length'], String(1024 * 1024), 'the length the client declared');
  });

  t.test('a chunked request body arrives intact', async (t) => {
    const chunks = ['{"name":', '"first list"', '}'];
    const framed = chunks.map((c) => `${c.length.toString(16)}\r\n${c}\r\n`).join('') + '0\r\n\r\n';
    const response = await rawRequest(stack.gatewayPort, raw(`POST ${ORG}/lists HTTP/1.1`, key, 'Transfer-Encoding: chunked') + framed);
    t.equal(response.status, 200);
    t.equal(stack.upstream.received.at(-1)!.body, chunks.join(''));
  });

  t.test('the request body is streamed: the upstream reads the start before the client sends the rest', async (t) => {
    const half = randomBytes(256 * 1024);
    let firstBytes!: () => void;
    const upstreamReading = new Promise<void>((resolve) => (firstBytes = resolve));
    probe.handle(({ req, res }) => {
      const hash = createHash('sha256');
      let length = 0;
      req.once('data', () => firstBytes());
      req.on('data', (chunk: Buffer) => {
        hash.update(chunk);
        length += chunk.length;
      });
      req.on('end', () => res.end(JSON.stringify({ length, sha256: hash.digest('hex') })));
    });
    const client = httpRequest({
      port: stack.gatewayPort,
      host: '127.0.0.1',
      method: 'POST',
      path: `${ORG}/import`,
      headers: { ...acme.headers, 'content-length': String(half.length * 2) },
    });
    const responded = once(client, 'response') as Promise<[IncomingMessage]>;
    client.write(half);
    await upstreamReading;
    client.end(half);
    const [response] = await responded;
    const text = (await response.toArray()).join('');
    t.equal(response.statusCode, 200);
    t.same(JSON.parse(text), { length: half.length * 2, sha256: sha256(Buffer.concat([half, half])) });
  });

  t.test('a large chunked response is streamed back intact', async (t) => {
    const part = randomBytes(1024 * 1024);
    let clientReading!: () => void;
    const clientHasBytes = new Promise<void>((resolve) => (clientReading = resolve));
    probe.handle(({ res }) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.write(part);
      // The second half is written only once the client holds bytes of the first: nothing buffers the whole.
      void clientHasBytes.then(() => res.end(part));
    });
    const response = await new Promise<IncomingMessage>((resolve, reject) =>
      httpRequest({ port: stack.gatewayPort, host: '127.0.0.1', path: `${ORG}/export`, headers: acme.headers }, resolve)
        .on('error', reject)
        .end(),
    );
    t.equal(response.statusCode, 200);
    t.equal(response.headers['transfer-encoding'], 'chunked', 'relayed as it comes, not with a computed length');
    const received: Buffer[] = [];
    response.once('data', () => clientReading());
    for await (const chunk of response) received.push(chunk as Buffer);
    const body = Buffer.concat(received);
    t.equal(body.length, part.length * 2);
    t.equal(sha256(body), sha256(Buffer.concat([part, part])), 'byte for byte');
  });

  t.test('identity headers set; client identity, credential and hop-by-hop headers stripped', async (t) => {
    const response = await rawRequest(
      stack.gatewayPort,
      `GET ${ORG}/visitors HTTP/1.1\r\nHost: api.example\r\n${key}\r\n` +
        'Connection: keep-alive, X-Hop-Secret\r\nX-Hop-Secret: 1\r\nKeep-Alive: timeout=5\r\nTE: trailers\r\n' +
        'Proxy-Authorization: Basic eDp5\r\nProxy-Connection: keep-alive\r\nTrailer: X-Sum\r\n' +
        'X-Bullseye-Organization-Id: globex\r\nX-Bullseye-Key-Id: forged\r\nX-Bullseye-Scopes: admin\r\nx-bullseye-partner-id: p-1\r\n' +
        'X-Forwarded-For: 203.0.113.9\r\nX-Forwarded-Proto: https\r\nX-Forwarded-Host: evil.test\r\nX-Forwarded-Port: 443\r\n' +
        'Forwarded: for=203.0.113.9\r\nX-Real-IP: 203.0.113.9\r\nAccept: application/json\r\nX-Custom: kept\r\n\r\n',
    );
    t.equal(response.status, 200);
    const seen = stack.upstream.received.at(-1)!;
    t.equal(seen.headers['x-bullseye-key-id'], acme.id);
    t.equal(seen.headers['x-bullseye-organization-id'], 'acme');
    t.equal(seen.headers['x-bullseye-scopes'], 'read write');
    t.equal(seen.headers['x-bullseye-partner-id'], undefined);
    t.equal(seen.headers['x-forwarded-for'], '127.0.0.1', 'the connection address');
    t.equal(seen.headers['x-forwarded-proto'], 'http', 'the connection protocol');
    t.equal(seen.headers['x-forwarded-host'], 'api.example', 'the Host the client connected with');
    // (An Upgrade header is refused outright: the websocket and upgrade tests cover it.)
    for (const name of [
      'x-api-key',
      'x-hop-secret',
      'keep-alive',
      'te',
      'proxy-authorization',
      'proxy-connection',
      'trailer',
      'x-forwarded-port',
      'forwarded',
      'x-real-ip',
    ]) {
      t.equal(seen.headers[name], undefined, `${name} stripped`);
    }
    t.not(seen.headers.host, 'api.example', "Host is the upstream's own");
    t.equal(seen.headers.accept, 'application/json', 'end-to-end headers kept');
    t.equal(seen.headers['x-custom'], 'kept');
    const names = seen.rawHeaders.filter((_, i) => i % 2 === 0).map((name) => name.toLowerCase());
    t.equal(names.filter((name) => name.startsWith('x-bullseye-')).length, 3, 'exactly the computed identity');
  });

  t.test('an upstream with forwardKey receives the credential, and still no client identity claims', async (t) => {
    const response = await call(stack.gatewayUrl, 'GET', `${ORG}/keyed`, {
      headers: { ...acme.headers, 'x-bullseye-organization-id': 'globex' },
    });
    t.equal(response.status, 200);
    const seen = stack.upstream.received.at(-1)!;
    t.equal(seen.headers['x-api-key'], acme.plainKey);
    t.equal(seen.headers['x-bullseye-organization-id'], 'acme');
  });

  t.test('X-Request-Id: kept when sane, replaced when not', async (t) => {
    const sane = 'trace-01.AB:cd_9';
    const cases: { label: string; header: string; kept: boolean }[] = [
      { label: 'sane', header: `X-Request-Id: ${sane}`, kept: true },
      { label: '128 characters', header: `X-Request-Id: ${'r'.repeat(128)}`, kept: true },
      { label: '129 characters', header: `X-Request-Id: ${'r'.repeat(129)}`, kept: false },
      { label: 'spaces', header: 'X-Request-Id: two words', kept: false },
      { label: 'markup', header: 'X-Request-Id: <script>', kept: false },
      { label: 'a log-line injection', header: 'X-Request-Id: a"}{"admin":true', kept: false },
      { label: 'sent twice', header: `X-Request-Id: ${sane}\r\nX-Request-Id: other`, kept: false },
      { label: 'absent', header: 'X-Other: 1', kept: false },
    ];
    for (const { label, header, kept } of cases) {
      const response = await rawRequest(stack.gatewayPort, raw(`GET ${ORG}/visitors HTTP/1.1`, key, header));
      t.equal(response.status, 200, label);
      const forwarded = stack.upstream.received.at(-1)!.headers['x-request-id'];
      t.equal(forwarded, response.headers['x-request-id'], `${label}: one id on both sides`);
      if (kept) t.equal(forwarded, header.slice('X-Request-Id: '.length), `${label}: kept`);
      else t.match(forwarded, UUID, `${label}: replaced by a generated id`);
    }
  });

  t.test('502 bad_gateway when the upstream refuses the connection', async (t) => {
    await gone.close();
    const response = await call(stack.gatewayUrl, 'GET', `${ORG}/down`, { headers: acme.headers });
    t.equal(response.status, 502);
    t.equal(response.json?.code, 'bad_gateway');
    t.match(response.headers['content-type'], /^application\/problem\+json/);
    t.notMatch(response.text, /ECONNREFUSED|127\.0\.0\.1/, 'no internals leak');
  });

  t.test('504 gateway_timeout when the upstream does not answer in time, and its request is abandoned', async (t) => {
    let upstreamClosed!: Promise<unknown>;
    probe.handle(({ res }) => {
      upstreamClosed = once(res, 'close'); // never answered
    });
    const response = await call(stack.gatewayUrl, 'GET', `${ORG}/slow`, { headers: acme.headers });
    t.equal(response.status, 504);
    t.equal(response.json?.code, 'gateway_timeout');
    t.match(response.headers['content-type'], /^application\/problem\+json/);
    await upstreamClosed;
    t.pass('the upstream connection was closed by the gateway');
  });

  t.test('a client that disconnects mid-body aborts the upstream request', async (t) => {
    let arrived!: (req: IncomingMessage) => void;
    const upstreamReq = new Promise<IncomingMessage>((resolve) => (arrived = resolve));
    let upstreamError: Error | undefined;
    probe.handle(({ req }) => {
      req.once('data', () => arrived(req));
      req.on('error', (err) => (upstreamError = err));
      req.resume(); // never answered: the body never completes
    });
    const socket = connect(stack.gatewayPort, '127.0.0.1');
    const requestId = 'client-gone-mid-body';
    socket.write(raw(`POST ${ORG}/import HTTP/1.1`, key, 'Content-Length: 100000', `X-Request-Id: ${requestId}`) + 'x'.repeat(1000));
    const req = await upstreamReq;
    const closed = new Promise((resolve) => req.once('close', resolve)); // events.once would reject on the reset
    socket.destroy();
    await closed;
    t.equal(req.complete, false, 'the upstream saw its request cut short, not completed');
    t.match(upstreamError, { code: 'ECONNRESET' }, 'as an aborted request');
    const logged = await stack.admin.logs.entry((entry) => entry.msg === 'request' && entry.requestId === requestId);
    t.match(logged, { status: 499, errorCode: 'client_closed_request' }, 'logged as the client closing, not as a 502');
  });

  t.test('a client that disconnects while waiting for the response aborts the upstream request', async (t) => {
    let arrived!: (res: ServerResponse) => void;
    const upstreamRes = new Promise<ServerResponse>((resolve) => (arrived = resolve));
    probe.handle(({ res }) => arrived(res)); // never answered
    const socket = connect(stack.gatewayPort, '127.0.0.1');
    const requestId = 'client-gone-before-answer';
    socket.write(raw(`GET ${ORG}/export HTTP/1.1`, key, `X-Request-Id: ${requestId}`));
    const res = await upstreamRes;
    const closed = once(res, 'close');
    socket.destroy();
    await closed;
    t.equal(res.writableFinished, false, 'the upstream connection went away before any answer');
    const logged = await stack.admin.logs.entry((entry) => entry.msg === 'request' && entry.requestId === requestId);
    t.match(logged, { status: 499, errorCode: 'client_closed_request' }, 'logged as the client closing, not as a 502');
  });

  t.test('a POST is never retried: the upstream resets, one attempt, 502', async (t) => {
    const attempts: string[] = [];
    probe.handle(({ req, res }) => {
      attempts.push(`${req.method} ${req.url}`);
      if (req.method === 'POST') req.socket.resetAndDestroy();
      else res.end('ok');
    });
    const response = await call(stack.gatewayUrl, 'POST', `${ORG}/import`, { headers: acme.headers, body: { n: 1 } });
    t.equal(response.status, 502);
    t.equal(response.json?.code, 'bad_gateway');
    // A later request over the same pool: any retry of the POST would have been sent before it.
    t.equal((await call(stack.gatewayUrl, 'GET', `${ORG}/export`, { headers: acme.headers })).status, 200);
    t.same(attempts, [`POST ${ORG}/import`, `GET ${ORG}/export`], 'exactly one POST attempt');
  });

  t.test('HEAD is forwarded as HEAD and answered without a body', async (t) => {
    const response = await rawRequest(stack.gatewayPort, raw(`HEAD ${ORG}/visitors HTTP/1.1`, key));
    t.equal(response.status, 200);
    t.equal(response.headers['x-upstream'], 'test', "the upstream's headers");
    t.equal(response.body, '', 'no body');
    t.equal(stack.upstream.received.at(-1)!.method, 'HEAD');
  });

  t.test('204 and 304 are relayed without a body', async (t) => {
    stack.upstream.respond((request, res) => {
      if (request.headers['if-none-match'] === '"v1"') res.writeHead(304, { etag: '"v1"' }).end();
      else res.writeHead(204, { 'x-upstream': 'test' }).end();
    });
    t.teardown(() => stack.upstream.respond(echo));
    const noContent = await rawRequest(stack.gatewayPort, raw(`GET ${ORG}/visitors HTTP/1.1`, key));
    t.equal(noContent.status, 204);
    t.equal(noContent.body, '', 'no body, not even an empty chunk');
    t.equal(noContent.headers['transfer-encoding'], undefined);
    const notModified = await rawRequest(stack.gatewayPort, raw(`GET ${ORG}/visitors HTTP/1.1`, key, 'If-None-Match: "v1"'));
    t.equal(notModified.status, 304, 'the conditional header reached the upstream');
    t.equal(notModified.headers.etag, '"v1"');
    t.equal(notModified.body, '');
  });

  t.test("the upstream's hop-by-hop response headers are not relayed", async (t) => {
    stack.upstream.respond((_request, res) => {
      res.writeHead(200, { connection: 'x-internal', 'x-internal': 'secret', 'keep-alive': 'timeout=1', 'x-public': 'yes' });
      res.end('ok');
    });
    t.teardown(() => stack.upstream.respond(echo));
    const response = await call(stack.gatewayUrl, 'GET', `${ORG}/visitors`, { headers: acme.headers });
    t.equal(response.status, 200);
    t.equal(response.headers['x-internal'], undefined, 'a header the upstream named in Connection');
    t.equal(response.headers['x-public'], 'yes');
    t.equal(response.text, 'ok');
  });
});

t.test('a client gone before admission completes is never forwarded', async (t) => {
  // A frozen Redis holds admission at the rate-limit step (its command timeout is long here) while
  // the client sends its request and leaves: by the time admission completes, the client is gone.
  const redis = await startRedis(t);
  const stack = await startGatewayStack(t, {
    env: { REDIS_URL: redis.url },
    settingsYaml: 'rateLimit:\n  redisCommandTimeout: 30s\n',
  });
  const acme = stack.key({ org: 'acme', scopes: ['read'] });
  const path = `${ORG}/visitors`;
  // The limiter connects in the background and answers from memory until then: warm up until
  // the ops listener reports an answer from Redis, so the ghost below is held there.
  for (let attempt = 1; ; attempt++) {
    t.equal((await call(stack.gatewayUrl, 'GET', `${path}?warmup=${attempt}`, { headers: acme.headers })).status, 200);
    if ((await call(stack.opsUrl, 'GET', '/readyz')).json?.checks?.limiter === 'redis') break;
    if (attempt === 100) throw new Error('the limiter never answered from Redis');
  }
  redis.pause();
  const socket = connect(stack.gatewayPort, '127.0.0.1');
  socket.resume();
  socket.end(`GET ${path}?ghost=1 HTTP/1.1\r\nHost: gw.test\r\nX-API-Key: ${acme.plainKey}\r\n\r\n`);
  await once(socket, 'close'); // the gateway has read the request and closed its side
  redis.resume();
  // Admission of the ghost completes first (Redis answers in order); a later request is the marker.
  t.equal((await call(stack.gatewayUrl, 'GET', `${path}?marker=1`, { headers: acme.headers })).status, 200);
  const urls = stack.upstream.received.map((request) => request.url);
  t.equal(urls.at(-1), `${path}?marker=1`);
  t.notOk(urls.includes(`${path}?ghost=1`), 'the request of the departed client never reached the upstream');
});
