// Graceful shutdown of `bullseye-gateway start` as a real process: SIGTERM
// ends it within server.shutdownGrace + 1 s even when stdout is a closed
// pipe; keep-alive clients under load are told `Connection: close` and none
// of their requests is reset; an in-flight request finishes within the grace
// and one slower than the grace is cut at it.
import type { ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import t from 'tap';
import { request } from 'undici';
import { startKeepAliveLoad } from '../helpers/keep-alive-load.js';
import { startShutdownStack } from '../helpers/shutdown-stack.js';

/** The promise's value, or `late` if it has not settled within `ms`. */
function within<T, L>(promise: Promise<T>, ms: number, late: L): Promise<T | L> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<L>((resolve) => (timer = setTimeout(() => resolve(late), ms)));
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

t.test('stdout a closed pipe: SIGTERM exits 0 within shutdownGrace + 1 s', async (t) => {
  const graceMs = 2_000;
  const stack = await startShutdownStack(t, graceMs);
  // The reader goes away, as when `| head` exits or a log shipper dies: further writes get EPIPE.
  stack.cli.child.stdout!.destroy();
  const exit = await within(stack.stop('SIGTERM'), graceMs + 1_000 + 2_000, 'still running');
  t.not(exit, 'still running', 'the process exits');
  if (typeof exit === 'string') return;
  t.equal(exit.code, 0, 'exit code 0');
  t.ok(exit.exitMs <= graceMs + 1_000, `exited ${exit.exitMs} ms after SIGTERM (grace ${graceMs} ms + 1 s)`);
});

t.test('keep-alive clients under load: told Connection: close, no request reset, exit well before the grace', async (t) => {
  const graceMs = 5_000;
  const CONNECTIONS = 20;
  const stack = await startShutdownStack(t, graceMs);
  const load = startKeepAliveLoad(t, stack.gateway, { path: '/fast' }, { connections: CONNECTIONS, busyAfter: 1_000 });
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
  t.ok(exit.exitMs < graceMs / 2, `exited ${exit.exitMs} ms after SIGTERM, well before the ${graceMs} ms grace`);
  t.comment(
    `${load.completed()} requests completed (${load.completed() - beforeSignal} after SIGTERM was sent), ${load.errors.length} reset or failed, ` +
      `${load.keepAliveAfterSignal()} keep-alive responses already on their way when the signal was sent, exit ${exit.exitMs} ms after SIGTERM`,
  );
});

t.test('in flight at SIGTERM: a 1 s request completes (Connection: close); one slower than the grace is cut at it', async (t) => {
  const graceMs = 2_000;
  const stack = await startShutdownStack(t, graceMs);
  const held: ServerResponse[] = [];
  let arrived = 0;
  let bothArrived!: () => void;
  const upstreamHasBoth = new Promise<void>((resolve) => (bothArrived = resolve));
  stack.upstream.respond((req, res) => {
    if (req.url === '/slow') setTimeout(() => res.end('slow'), 1_000);
    else held.push(res); // /slower: answered only at teardown, long after the grace
    if (++arrived === 2) bothArrived();
  });
  t.teardown(() => held.forEach((res) => res.destroy()));

  const started = performance.now();
  const slow = request(`${stack.gateway}/slow`).then(async (response) => ({
    status: response.statusCode,
    connection: response.headers.connection,
    body: await response.body.text(),
    ms: Math.round(performance.now() - started),
  }));
  const slower = request(`${stack.gateway}/slower`).then(
    async (response) => `answered ${response.statusCode}: ${await response.body.text()}`,
    (err: Error) => `cut: ${(err as { code?: string }).code ?? err.message}`,
  );
  await upstreamHasBoth;
  const exit = await stack.stop('SIGTERM');

  const answered = await slow;
  t.equal(answered.status, 200, 'the 1 s request is answered');
  t.equal(answered.body, 'slow');
  t.equal(answered.connection, 'close', 'with Connection: close');
  t.match(await slower, /^cut: /, 'the request slower than the grace is cut');
  t.equal(exit.code, 0, 'exit code 0');
  t.ok(exit.exitMs >= graceMs - 50, `held open for the grace by the slower request (${exit.exitMs} ms)`);
  t.ok(exit.exitMs <= graceMs + 1_000, `exited ${exit.exitMs} ms after SIGTERM (grace ${graceMs} ms + 1 s)`);
  t.comment(`1 s request answered after ${answered.ms} ms; exit ${exit.exitMs} ms after SIGTERM`);
});
