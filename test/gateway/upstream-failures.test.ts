// Upstream failures recorded as what they are: an upstream that resets or
// truncates its response is a 502 (kind "reset") in the access log and the
// metrics even when the client already holds a 200 head; a client that leaves
// first is a 499 and no upstream error; a timeout answers 504 on time.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import t from 'tap';
import { startGatewayStack, type GatewayStack } from '../helpers/gateway.js';
import { call } from '../helpers/http.js';
import { startProbe } from '../helpers/probe.js';

const ORG = '/api/v1/organization/acme';
/** What the clock may add to a configured timeout on a loaded CI machine (the contract is 50 ms). */
const TIMEOUT_MARGIN_MS = 150;
/** Upstream timeouts by upstream name (the others keep the 30 s default). */
const TIMEOUTS: Record<string, number> = { slow: 1000, upload: 300 };
/** Past the 64 KiB default of server.bufferBodyBytes: these bodies stream. */
const STREAMED_HALF = Buffer.alloc(100 * 1024, 'u');

interface Relayed {
  status: number;
  /** True when the connection was cut before the response completed. */
  cut: boolean;
  body: string;
}

/** One GET through the gateway, read to its end or to the connection being cut. */
function get(stack: GatewayStack, path: string, headers: Record<string, string>): Promise<Relayed> {
  return new Promise((resolve, reject) => {
    const client = httpRequest({ port: stack.gatewayPort, host: '127.0.0.1', path, headers }, (response: IncomingMessage) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', () => undefined); // 'aborted' surfaces as an error on newer Nodes
      response.on('close', () =>
        resolve({ status: response.statusCode ?? 0, cut: !response.complete, body: Buffer.concat(chunks).toString() }),
      );
    });
    client.on('error', reject);
    client.end();
  });
}

const metricValue = async (stack: GatewayStack, series: string): Promise<number | undefined> => {
  const text = (await call(stack.opsUrl, 'GET', '/metrics')).text;
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

t.test('upstream failures', async (t) => {
  const probe = await startProbe(t);
  // One upstream name per case, all on the probe: each case has its own metric series.
  const names = ['midbody', 'truncated', 'early', 'left', 'slow', 'upload'];
  const stack = await startGatewayStack(t, {
    policy: `
upstreams:
${names.map((name) => `  ${name}: { url: ${probe.origin}${TIMEOUTS[name] ? `, timeout: ${TIMEOUTS[name]}ms` : ''} }`).join('\n')}
defaults: { upstream: midbody, key: org, rateLimit: { requests: 100000, per: 1m } }
routes:
${names.map((name) => `  GET /api/v1/organization/{organization_id}/${name}: { scope: read, upstream: ${name} }`).join('\n')}
  POST /api/v1/organization/{organization_id}/upload: { scope: write, upstream: upload }
`,
  });
  const acme = stack.key({ org: 'acme', scopes: ['read', 'write'] });
  /** A POST whose streamed body is sent in two halves; the second once `between` resolves (given the response to come). */
  const upload = (between: (responded: Promise<IncomingMessage>) => Promise<unknown>) =>
    new Promise<{ response: IncomingMessage; body: string; sentAt: number }>((resolve, reject) => {
      let sentAt = 0;
      const client = httpRequest({
        port: stack.gatewayPort,
        host: '127.0.0.1',
        method: 'POST',
        path: `${ORG}/upload`,
        headers: { ...acme.headers, 'content-length': String(STREAMED_HALF.length * 2) },
      });
      client.on('error', reject);
      const responded = new Promise<IncomingMessage>((resolveResponse) => client.on('response', resolveResponse));
      void responded.then((response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () => resolve({ response, body: Buffer.concat(chunks).toString(), sentAt }));
      });
      client.write(STREAMED_HALF);
      void between(responded).then(() => client.end(STREAMED_HALF, () => (sentAt = performance.now())));
    });
  const accessLine = (requestId: string) => stack.admin.logs.entry((entry) => entry.msg === 'request' && entry.requestId === requestId);
  const upstreamErrors = (upstream: string, kind: string) =>
    metricValue(stack, `bullseye_gateway_upstream_errors_total{upstream="${upstream}",kind="${kind}"}`);

  t.test('an upstream that resets mid-body: the client is cut, the log and metrics say 502 reset', async (t) => {
    probe.handle(({ res }) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('first part of the body, ');
      // Once the part is on the wire: the gateway has relayed the 200 head by the time the socket dies.
      res.socket!.write('', () => res.socket!.destroy());
    });
    const requestId = 'upstream-reset-mid-body';
    const relayed = await get(stack, `${ORG}/midbody`, { ...acme.headers, 'x-request-id': requestId });
    t.equal(relayed.status, 200, 'the head was already relayed');
    t.equal(relayed.cut, true, "the client's connection is cut, not ended as if complete");
    t.match(await accessLine(requestId), { status: 502, errorCode: 'bad_gateway' });
    t.equal(await upstreamErrors('midbody', 'reset'), 1);
    t.equal(await upstreamErrors('midbody', 'unreachable'), undefined, 'not counted as unreachable');
  });

  t.test('an upstream that closes before its Content-Length is sent: 502 reset', async (t) => {
    probe.handle(({ res }) => {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '1000' });
      res.write('only a tenth', () => res.socket!.end());
    });
    const requestId = 'upstream-truncated';
    const relayed = await get(stack, `${ORG}/truncated`, { ...acme.headers, 'x-request-id': requestId });
    t.equal(relayed.status, 200);
    t.equal(relayed.cut, true, 'the client does not receive a short body as complete');
    t.match(await accessLine(requestId), { status: 502, errorCode: 'bad_gateway' });
    t.equal(await upstreamErrors('truncated', 'reset'), 1);
  });

  t.test('an upstream that resets before answering: the client gets the 502 itself', async (t) => {
    probe.handle(({ req }) => req.socket.resetAndDestroy());
    const requestId = 'upstream-reset-before-head';
    const response = await call(stack.gatewayUrl, 'GET', `${ORG}/early`, { headers: { ...acme.headers, 'x-request-id': requestId } });
    t.equal(response.status, 502);
    t.equal(response.json?.code, 'bad_gateway');
    t.match(await accessLine(requestId), { status: 502, errorCode: 'bad_gateway' });
    t.equal(await upstreamErrors('early', 'reset'), 1);
  });

  t.test('a client that leaves mid-body is still a 499 and no upstream error', async (t) => {
    let upstreamClosed!: Promise<void>;
    probe.handle(({ res }) => {
      upstreamClosed = new Promise((resolve) => res.once('close', () => resolve()));
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('the start of a long answer'); // never finished: the client leaves
    });
    const requestId = 'client-left-mid-body';
    await new Promise<void>((resolve, reject) => {
      const client = httpRequest(
        { port: stack.gatewayPort, host: '127.0.0.1', path: `${ORG}/left`, headers: { ...acme.headers, 'x-request-id': requestId } },
        (response) =>
          response.once('data', () => {
            client.destroy();
            resolve();
          }),
      );
      client.on('error', () => undefined);
      client.on('close', () => reject(new Error('closed before the first byte')));
      client.end();
    });
    t.match(await accessLine(requestId), { status: 499, errorCode: 'client_closed_request' });
    await upstreamClosed;
    t.pass('the upstream request was aborted');
    t.equal(await upstreamErrors('left', 'reset'), undefined, 'not an upstream failure');
    t.equal(await upstreamErrors('left', 'unreachable'), undefined);
  });

  t.test('a 1 s upstream timeout answers 504 within its margin', async (t) => {
    probe.handle(() => undefined); // never answered
    const started = performance.now();
    const response = await call(stack.gatewayUrl, 'GET', `${ORG}/slow`, { headers: acme.headers });
    const elapsed = performance.now() - started;
    t.comment(`504 after ${elapsed.toFixed(1)} ms for a 1000 ms timeout`);
    t.equal(response.status, 504);
    t.equal(response.json?.code, 'gateway_timeout');
    t.ok(elapsed >= 1000, `not before the configured timeout (${elapsed.toFixed(1)} ms)`);
    t.ok(elapsed <= 1000 + TIMEOUT_MARGIN_MS, `within ${TIMEOUT_MARGIN_MS} ms of it (${elapsed.toFixed(1)} ms)`);
    t.equal(await upstreamErrors('slow', 'timeout'), 1);
  });

  t.test('a streamed upload slower than the timeout is not cut: the timeout runs from the end of the body', async (t) => {
    probe.handle(({ req }) => req.resume()); // reads everything, never answers
    const arrived = probe.nextRequest();
    const { response, body, sentAt } = await upload(async () => {
      await arrived;
      // Deliberately longer than the 300 ms timeout: a timer started with the request would fire here.
      await new Promise((resolve) => setTimeout(resolve, TIMEOUTS.upload! + 200));
    });
    const afterBody = performance.now() - sentAt;
    t.comment(`504 ${afterBody.toFixed(1)} ms after the body was sent, for a ${TIMEOUTS.upload} ms timeout`);
    t.equal(response.statusCode, 504);
    t.match(JSON.parse(body), { code: 'gateway_timeout' });
    // sentAt is taken when the client's last write completes, which can be a moment after the gateway read it.
    t.ok(afterBody >= TIMEOUTS.upload! - 5, `not before the timeout, counted from the body's end (${afterBody.toFixed(1)} ms)`);
    t.ok(afterBody <= TIMEOUTS.upload! + TIMEOUT_MARGIN_MS, `within ${TIMEOUT_MARGIN_MS} ms of it`);
  });

  t.test('an upload still streaming after the head arrived is not timed: the answer completes', async (t) => {
    probe.handle(({ req, res }) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('received: ');
      req.resume();
      // Finished well past the 300 ms timeout after the body's end: only undici's body idle timeout applies now.
      req.on('end', () => setTimeout(() => res.end('all'), TIMEOUTS.upload! + 200));
    });
    const { response, body } = await upload((responded) => responded); // the rest only once the client holds the head
    t.equal(response.statusCode, 200);
    t.equal(body, 'received: all', 'relayed whole, not cut by a timer armed at the end of the body');
  });
});
