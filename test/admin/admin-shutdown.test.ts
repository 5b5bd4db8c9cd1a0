// Graceful shutdown of `bullseye-gateway admin` as a real process, as the
// gateway's (test/gateway/shutdown.test.ts): keep-alive clients hammering the
// API are told `Connection: close` and none of their requests is reset; held
// change-feed long-polls are answered at once (not waited on for the grace);
// exit code 0 within server.shutdownGrace + 1 s.
import t from 'tap';
import { Client } from 'undici';
import { startKeepAliveLoad } from '../helpers/keep-alive-load.js';
import { startAdminShutdownStack } from '../helpers/shutdown-stack.js';

const LIST = '/api/v1/organization/acme/api-keys';
const CHANGES = '/internal/v1/keys/changes';

t.test('keep-alive clients listing keys under load: told Connection: close, no request reset, exit 0 within the grace + 1 s', async (t) => {
  const graceMs = 3_000;
  const CONNECTIONS = 20;
  const stack = await startAdminShutdownStack(t, graceMs);
  const load = startKeepAliveLoad(t, stack.admin, { path: LIST, headers: stack.headers }, { connections: CONNECTIONS, busyAfter: 500 });
  await load.busy;
  const beforeSignal = load.completed();
  load.signalSent();
  const exit = await stack.stop('SIGTERM');
  const endings = await load.ended();

  t.same(load.errors, [], 'no request was reset or failed');
  t.equal(
    endings.filter((ending) => ending === 'told to close').length,
    CONNECTIONS,
    'every connection ended with a Connection: close response',
  );
  t.equal(exit.code, 0, 'exit code 0');
  t.ok(exit.exitMs <= graceMs + 1_000, `exited ${exit.exitMs} ms after SIGTERM (grace ${graceMs} ms + 1 s)`);
  t.ok(
    stack.cli.lines.some((line) => line.includes('"msg":"stopped"')),
    'the last line is written',
  );
  t.comment(
    `${load.completed()} requests completed (${load.completed() - beforeSignal} after SIGTERM was sent), ${load.errors.length} reset or failed, ` +
      `${load.keepAliveAfterSignal()} keep-alive responses already on their way when the signal was sent, exit ${exit.exitMs} ms after SIGTERM`,
  );
});

t.test('change-feed long-polls held at SIGTERM: answered at once with Connection: close, exit well before the grace', async (t) => {
  const graceMs = 5_000;
  const POLLS = 5;
  // debug: the feed logs each poll it holds, so the test knows they all wait before signalling.
  const stack = await startAdminShutdownStack(t, graceMs, 'debug');
  const clients = Array.from({ length: POLLS }, () => new Client(stack.sync, { pipelining: 1 }));
  t.teardown(() => Promise.all(clients.map((client) => client.destroy())));

  // One page first: the follower is current, as a split-mode gateway is before it long-polls.
  const first = await clients[0]!.request({ method: 'GET', path: `${CHANGES}?since=0`, headers: stack.syncAuth });
  const { latestSeq } = (await first.body.json()) as { latestSeq: number };
  // waitMs far longer than the grace: had shutdown waited on them, the exit would take the whole grace.
  const polls = clients.map(async (client, i) => {
    const headers = { ...stack.syncAuth, 'x-request-id': `poll-${i}` };
    const response = await client.request({ method: 'GET', path: `${CHANGES}?since=${latestSeq}&waitMs=30000`, headers });
    const body = (await response.body.json()) as { records: unknown[] };
    return { status: response.statusCode, connection: response.headers.connection, records: body.records.length };
  });
  for (let i = 0; i < POLLS; i++) await stack.cli.waitForLine(new RegExp(`"requestId":"poll-${i}".*"msg":"change feed poll held"`));

  const exit = await stack.stop('SIGTERM');
  const answers = await Promise.all(polls);
  t.same(
    answers,
    Array.from({ length: POLLS }, () => ({ status: 200, connection: 'close', records: 0 })),
    'every held poll answered, empty, with Connection: close',
  );
  t.equal(exit.code, 0, 'exit code 0');
  t.ok(exit.exitMs < graceMs, `exited ${exit.exitMs} ms after SIGTERM, before the ${graceMs} ms grace`);
});
