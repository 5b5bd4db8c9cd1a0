// Each Redis state change is logged once, with the address and the cause in
// plain words, over a real redis-server and real sockets: nothing listening
// at start (`cannot connect`, "connection refused"), Redis started
// (`connected`), killed (`lost`, then `cannot connect` again), started again
// (`reconnected`); the breaker's lines carry the same fields. However many
// connection attempts and failed takes an outage lasts, no line repeats.
// A REDIS_URL's credentials appear in no line, whatever happens.
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { Socket } from 'node:net';
import t from 'tap';
import { SETTINGS_DEFAULTS } from '../../../config/settings-sections.js';
import { createManualClock } from '../../../core/clock.js';
import { createLimiter, type CreateLimiterOptions } from '../../../gateway/limiter/create-limiter.js';
import type { RateLimitSpec } from '../../../gateway/limiter/types.js';
import { captureLogs, type CapturedLog } from '../../helpers/log-capture.js';
import { startRedis } from '../../helpers/redis-server.js';
import { inspector, logged } from './fixtures/redis.js';
import { singleWindowPlan } from '../../../gateway/limiter/limit-plan.js';

const FIVE_PER_HOUR: RateLimitSpec = { requests: 5, perMs: 3_600_000 };
/** Retries come fast, so an outage spans many attempts in a short test. */
const MAX_RECONNECT_DELAY_MS = 20;
/** Attempts to wait for before asserting that nothing was logged per attempt. */
const ATTEMPTS = 5;

const CANNOT_CONNECT = /^rate limiter: cannot connect to Redis/;
const CONNECTED = /^rate limiter: connected to Redis$/;
const LOST = /^rate limiter: lost the Redis connection/;
const RECONNECTED = /^rate limiter: reconnected to Redis$/;
const BREAKER_OPEN = /^rate limiter: Redis unavailable/;
const BREAKER_CLOSED = /^rate limiter: Redis answering again/;

interface Teardown {
  teardown(fn: () => void | Promise<void>): void;
}

/**
 * Counts failed connection attempts to `port` as they happen (every client
 * socket this process opens is published on `net.client.socket`), so a test
 * can wait for N retries instead of sleeping.
 */
function failedAttempts(t: Teardown, port: number) {
  let count = 0;
  const waiters: Array<{ target: number; resolve: () => void }> = [];
  const onSocket = (message: unknown) => {
    const { socket } = message as { socket: Socket };
    socket.once('error', (err: NodeJS.ErrnoException & { port?: number }) => {
      if (err.port !== port) return;
      count++;
      for (const waiter of waiters.filter((w) => count >= w.target)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    });
  };
  subscribe('net.client.socket', onSocket);
  t.teardown(() => {
    unsubscribe('net.client.socket', onSocket);
  });
  return {
    /** Resolves once `more` further attempts have failed. */
    more: (more: number) => new Promise<void>((resolve) => waiters.push({ target: count + more, resolve })),
  };
}

const entry = (logs: CapturedLog, pattern: RegExp) => logs.entry((e) => pattern.test(String(e.msg)));

function startLimiter(t: Teardown, logs: CapturedLog, redisUrl: string, extra: Partial<CreateLimiterOptions> = {}) {
  const limiter = createLimiter({
    redisUrl,
    commandTimeoutMs: 250,
    onRedisFailure: 'open',
    breakerCooldownMs: 1_000,
    autoPipelining: true,
    leaseLifetimeMs: SETTINGS_DEFAULTS.rateLimit.leaseLifetimeMs,
    maxReconnectDelayMs: MAX_RECONNECT_DELAY_MS,
    clock: createManualClock(Date.now()),
    logger: logs.logger,
    ...extra,
  });
  t.teardown(() => limiter.close());
  return limiter;
}

t.test('down at start, up, killed, up again: one line per change, with the address and the cause', async (t) => {
  const redis = await startRedis(t);
  await redis.stop(); // the port is free and nothing listens on it
  const address = `127.0.0.1:${redis.port}`;
  const attempts = failedAttempts(t, redis.port);
  const logs = captureLogs('debug');
  const limiter = startLimiter(t, logs, redis.url);

  t.match(await entry(logs, CANNOT_CONNECT), { level: 'warn', redis: address, cause: 'connection refused' }, 'unreachable at start');
  await attempts.more(ATTEMPTS);
  // Failed takes while down open the breaker once, with the cause in plain words.
  await Promise.all(Array.from({ length: 20 }, (_, i) => limiter.take(singleWindowPlan(`down_${i}`, FIVE_PER_HOUR), 1)));
  t.match(await entry(logs, BREAKER_OPEN), {
    level: 'warn',
    redis: address,
    cause: 'not connected (commands are not queued while Redis is down)',
  });
  t.equal(logged(logs.entries(), CANNOT_CONNECT).length, 1, `logged once over ${ATTEMPTS}+ attempts`);
  t.equal(logged(logs.entries(), BREAKER_OPEN).length, 1, 'the breaker opened once over 20 failed takes');

  await redis.start();
  t.match(await entry(logs, CONNECTED), { level: 'info', redis: address }, 'connected');
  t.equal(await limiter.ready(5_000), true);
  t.equal((await limiter.take(singleWindowPlan('probe', FIVE_PER_HOUR), 1)).allowed, true);
  t.match(await entry(logs, BREAKER_CLOSED), { level: 'info', redis: address }, 'the breaker closed');

  await redis.stop('SIGKILL');
  const lost = await entry(logs, LOST);
  t.match(lost, { level: 'warn', redis: address }, 'the connection was lost');
  t.match(lost.cause, /^(Redis closed the connection|connection reset)$/, `a plain cause: ${String(lost.cause)}`);
  await attempts.more(ATTEMPTS);
  const cannotConnect = logged(logs.entries(), CANNOT_CONNECT);
  t.equal(cannotConnect.length, 2, `once more after the loss, not per attempt (${ATTEMPTS}+ attempts)`);
  t.match(cannotConnect[1], { level: 'warn', redis: address, cause: 'connection refused' });

  await redis.start();
  t.match(await entry(logs, RECONNECTED), { level: 'info', redis: address }, 'back after the outage');
  t.equal(await limiter.ready(5_000), true);

  const counts = [CONNECTED, LOST, RECONNECTED].map((pattern) => logged(logs.entries(), pattern).length);
  t.same(counts, [1, 1, 1], 'connected, lost and reconnected once each');
  t.equal(logged(logs.entries(), /connection attempt failed/).length, 0, 'an unchanged cause is not logged again, even at debug');
  t.notMatch(logs.text(), /enableOfflineQueue|Connection is closed|ECONNREFUSED/, "no line carries ioredis' or Node's own wording");
});

t.test("a REDIS_URL's user and password appear in no line", async (t) => {
  const user = 'limiter-user-q7';
  const password = 'pw-Zk38-never-logged';
  const redis = await startRedis(t);
  const admin = await inspector(t, redis.url);
  await admin.call('ACL', 'SETUSER', user, 'on', `>${password}`, '~*', '+@all');
  const address = `127.0.0.1:${redis.port}`;

  // Right credentials: start-up, connected, lost, cannot connect, breaker lines.
  const logs = captureLogs('trace');
  const limiter = startLimiter(t, logs, `redis://${user}:${password}@${address}`);
  t.match(await entry(logs, CONNECTED), { redis: address });
  t.equal((await limiter.take(singleWindowPlan('key_1', FIVE_PER_HOUR), 1)).allowed, true, 'authenticated');
  const attempts = failedAttempts(t, redis.port);
  await redis.stop('SIGKILL');
  await entry(logs, LOST);
  await entry(logs, CANNOT_CONNECT);
  await attempts.more(2);
  await Promise.all(Array.from({ length: 5 }, (_, i) => limiter.take(singleWindowPlan(`down_${i}`, FIVE_PER_HOUR), 1)));
  await entry(logs, BREAKER_OPEN);

  // A wrong password: the failure is named, the password is not.
  await redis.start();
  const wrong = captureLogs('trace');
  startLimiter(t, wrong, `redis://${user}:${password}-wrong@${address}`);
  t.match(await entry(wrong, CANNOT_CONNECT), { redis: address, cause: 'authentication failed (wrong password or user)' });

  for (const text of [logs.text(), wrong.text()]) {
    t.notOk(text.includes(password), 'the password is not logged');
    t.notOk(text.includes(user), 'the user is not logged');
  }
  t.ok(logs.entries().length >= 5, `${logs.entries().length} lines checked`);
});
