// Errors become RFC 9457 problem details in one place. Known ApiErrors are
// answered as they are; anything else is a generic 500 that reveals nothing
// to the client and is logged in full.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import { ApiError, ConfigError, ERROR_CODES, LOGGED_ONLY_CODES, type ErrorCode } from '../../core/errors.js';
import { logProblem, sendProblem, toProblem } from '../../core/problem.js';
import { call } from '../helpers/http.js';
import { captureLogs } from '../helpers/log-capture.js';
import { rawRequest } from '../helpers/raw-http.js';

const SECRET = 'db password hunter2';
const GENERIC = {
  type: 'about:blank',
  title: 'Internal Server Error',
  status: 500,
  detail: 'An unexpected error occurred.',
  code: 'internal',
};

t.test('codes never sent are not in the public table (so not in the OpenAPI enum)', async (t) => {
  t.notOk('client_closed_request' in ERROR_CODES);
  t.same(new ApiError('client_closed_request', 'gone').status, 499, 'but are still errors with a status for logs and metrics');
});

t.test('toProblem: every error code keeps its status and title', async (t) => {
  for (const [code, [status, title]] of Object.entries({ ...ERROR_CODES, ...LOGGED_ONLY_CODES }) as [
    ErrorCode,
    readonly [number, string],
  ][]) {
    t.same(
      toProblem(new ApiError(code, `detail of ${code}`)),
      {
        status,
        headers: {},
        body: { type: 'about:blank', title, status, detail: `detail of ${code}`, code },
      },
      code,
    );
  }
});

t.test('toProblem: requestId, extensions, headers, private context', async (t) => {
  const error = new ApiError('rate_limited', 'Slow down.', {
    headers: { 'retry-after': '7' },
    context: { keyId: 'key_1', secret: SECRET },
    extensions: { retryAfterSeconds: 7, status: 200, type: 'https://evil', code: 'ok', detail: 'overridden' },
  });
  const problem = toProblem(error, 'req-1');
  t.same(
    problem.body,
    {
      retryAfterSeconds: 7,
      type: 'about:blank',
      title: 'Too Many Requests',
      status: 429,
      detail: 'Slow down.',
      code: 'rate_limited',
      requestId: 'req-1',
    },
    'extensions are added but cannot override the standard members',
  );
  t.same(problem.headers, { 'retry-after': '7' });
  t.not(problem.headers, error.headers, 'headers are a copy');
  t.notOk(JSON.stringify(problem).includes(SECRET), 'private context is never in the problem');
  t.notOk('requestId' in toProblem(error).body, 'no requestId member without a request id');
});

t.test('toProblem: anything that is not an ApiError is a generic 500', async (t) => {
  const NOT_API_ERRORS: [label: string, value: unknown][] = [
    ['Error', new Error(SECRET)],
    ['TypeError', new TypeError(SECRET)],
    ['ConfigError', new ConfigError(SECRET, [SECRET])],
    ['error-like object', { message: SECRET, status: 400, code: 'invalid_body' }],
    ['string', SECRET],
    ['undefined', undefined],
    ['null', null],
  ];
  for (const [label, value] of NOT_API_ERRORS) {
    const problem = toProblem(value, 'req-2');
    t.same(problem, { status: 500, headers: {}, body: { ...GENERIC, requestId: 'req-2' } }, label);
    t.notOk(JSON.stringify(problem).includes('hunter2'), `${label}: no message leak`);
  }
});

t.test('sendProblem over a real HTTP server', async (t) => {
  const logs = captureLogs();
  /** What the gateway and the admin do on failure: log it, answer it. */
  const answer = (res: ServerResponse, err: unknown, requestId?: string, headers?: Record<string, string>): void => {
    logProblem(logs.logger, err, requestId);
    sendProblem(res, err, requestId, headers);
  };
  const routes: Record<string, (res: ServerResponse) => void> = {
    '/known': (res) =>
      answer(res, new ApiError('rate_limited', 'Slow down.', { headers: { 'Retry-After': '7' }, context: { keyId: 'key_1' } }), 'req-41', {
        'x-request-id': 'req-41',
        'retry-after': '1',
      }),
    '/unknown': (res) => {
      try {
        throw new Error(`lookup failed: ${SECRET}`);
      } catch (err) {
        answer(res, err, 'req-42');
      }
    },
    '/caller-headers': (res) =>
      answer(res, new ApiError('not_found', 'No such thing.'), undefined, {
        'Content-Type': 'text/html',
        'Cache-Control': 'public, max-age=3600',
        'Content-Length': '1',
      }),
    '/after-headers': (res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      // Fail once the first chunk is on the wire, as a streamed forward would.
      res.write('partial body', () => answer(res, new Error('failed mid-stream'), 'req-43'));
    },
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => routes[req.url ?? '']?.(res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  t.test('an ApiError is answered as problem+json, headers merged', async (t) => {
    const res = await call(base, 'GET', '/known');
    t.equal(res.status, 429);
    t.equal(res.headers['content-type'], 'application/problem+json');
    t.equal(res.headers['cache-control'], 'no-store');
    t.equal(res.headers['x-content-type-options'], 'nosniff', 'never sniffed into something a browser renders');
    t.equal(res.headers['x-request-id'], 'req-41', 'extra header sent');
    t.equal(res.headers['retry-after'], '7', "the error's own header wins over an extra header of any case");
    t.equal(res.headers['content-length'], String(Buffer.byteLength(res.text)));
    t.same(res.json, {
      type: 'about:blank',
      title: 'Too Many Requests',
      status: 429,
      detail: 'Slow down.',
      code: 'rate_limited',
      requestId: 'req-41',
    });
    const entry = logs.entries().find((e) => e.code === 'rate_limited');
    t.match(entry, { level: 'debug', keyId: 'key_1', msg: 'Slow down.' }, 'client errors are logged at debug with private context');
  });

  t.test('an unknown error is a generic 500 to the client and logged in full', async (t) => {
    const res = await call(base, 'GET', '/unknown');
    t.equal(res.status, 500);
    t.equal(res.headers['content-type'], 'application/problem+json');
    t.same(res.json, { ...GENERIC, requestId: 'req-42' });
    t.notOk(res.text.includes('hunter2'), 'the secret message never reaches the client');
    t.notOk(/at .+\.ts:\d+/.test(res.text), 'no stack trace in the response');
    const entry = logs.entries().find((e) => e.msg === 'unhandled error') as {
      level: string;
      requestId: string;
      err: { message: string; stack: string };
    };
    t.equal(entry?.level, 'error');
    t.equal(entry?.requestId, 'req-42', 'the line names the request, though the logger is the root one');
    t.match(entry?.err.message, 'hunter2', 'the message is logged');
    t.match(entry?.err.stack, /problem\.test\.ts/, 'the stack is logged');
  });

  t.test('caller headers cannot change the content type, length or caching, in any case', async (t) => {
    const res = await call(base, 'GET', '/caller-headers');
    t.equal(res.status, 404);
    t.equal(res.headers['content-type'], 'application/problem+json', 'one content-type, the problem one');
    t.equal(res.headers['cache-control'], 'no-store');
    t.equal(res.json?.code, 'not_found', 'the whole body arrived');
  });

  t.test('after headers were sent the response is cut, not patched', async (t) => {
    const port = (server.address() as AddressInfo).port;
    const res = await rawRequest(port, 'GET /after-headers HTTP/1.1\r\nHost: x\r\n\r\n');
    t.equal(res.status, 200, 'the status already sent stands');
    t.match(res.body, 'partial body');
    t.notOk(res.body.endsWith('0\r\n\r\n'), 'the chunked body never ends properly: the connection was cut');
    t.notOk(res.raw.includes('about:blank'), 'no problem document appended to the half-sent body');
    t.ok(
      logs.entries().some((e) => e.msg === 'unhandled error' && (e.err as { message: string }).message === 'failed mid-stream'),
      'still logged',
    );
  });
});
