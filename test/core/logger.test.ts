// Redaction: whatever a careless log call passes, a plain key never reaches
// the log. Uses the production logger configuration writing to memory.
import { EventEmitter, once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import { createManualClock } from '../../core/clock.js';
import { createLogger } from '../../core/logger.js';
import { call } from '../helpers/http.js';
import { captureLogs } from '../helpers/log-capture.js';

const ORG = 'bsk_live_0123456789abcdef0123456789abcdef';
const PARTNER = 'pk_live_fedcba9876543210fedcba9876543210';
const SECRETS = [ORG, PARTNER, ORG.slice(9), PARTNER.slice(8)];

const leaked = (text: string): string[] => SECRETS.filter((secret) => text.includes(secret));

t.test('credential fields are redacted wherever the configuration names them', async (t) => {
  const CASES: [label: string, fields: Record<string, unknown>][] = [
    ['req.headers x-api-key', { req: { method: 'GET', headers: { host: 'h', 'x-api-key': ORG } } }],
    ['req.headers x-partner-api-key', { req: { headers: { 'x-partner-api-key': PARTNER } } }],
    ['req.headers authorization', { req: { headers: { authorization: `Bearer ${ORG}` } } }],
    ['req.headers cookie', { req: { headers: { cookie: `key=${ORG}` } } }],
    ['req.rawHeaders', { req: { rawHeaders: ['X-API-Key', ORG, 'X-Partner-API-Key', PARTNER] } }],
    ['top-level headers', { headers: { 'x-api-key': ORG, 'x-partner-api-key': PARTNER, authorization: ORG } }],
    ['top-level rawHeaders', { rawHeaders: ['x-api-key', ORG] }],
    ['plainKey', { plainKey: ORG }],
    ['plainKey one level down', { body: { plainKey: PARTNER } }],
    ['key', { key: ORG }],
    ['apiKey', { apiKey: PARTNER }],
    ['syncToken', { syncToken: ORG }],
  ];
  for (const [label, fields] of CASES) {
    const logs = captureLogs();
    logs.logger.info(fields, label);
    t.same(leaked(logs.text()), [], `${label}: no key in the log`);
    t.match(logs.text(), '[redacted]', `${label}: the field is marked redacted`);
  }
});

t.test('child logger bindings are redacted too', async (t) => {
  const logs = captureLogs();
  logs.logger.child({ req: { headers: { 'x-api-key': ORG } }, plainKey: PARTNER }).warn('bound');
  t.same(leaked(logs.text()), []);
  t.equal(logs.entries().length, 1);
});

t.test('redaction leaves the logged object untouched and keeps other fields', async (t) => {
  const logs = captureLogs();
  const headers = { host: 'gateway.local', 'x-api-key': ORG };
  logs.logger.info({ req: { method: 'POST', url: '/a', headers } }, 'request');
  t.equal(headers['x-api-key'], ORG, 'the caller still sees the real header');
  t.match(logs.entries()[0], { req: { method: 'POST', url: '/a', headers: { host: 'gateway.local', 'x-api-key': '[redacted]' } } });
});

t.test('real IncomingMessage and ServerResponse objects', async (t) => {
  const logs = captureLogs();
  const events = new EventEmitter();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    logs.logger.info({ req }, 'whole request');
    logs.logger.child({ req }).info('request bound to a child');
    res.setHeader('x-request-id', 'req-1');
    res.end('ok', () => {
      logs.logger.info({ res }, 'whole response');
      events.emit('logged');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  for (const [header, key] of [
    ['X-API-Key', ORG],
    ['X-Partner-API-Key', PARTNER],
    ['Authorization', `Bearer ${ORG}`],
  ] as const) {
    const before = logs.entries().length;
    // The response is logged after its body is flushed: the client may see it first.
    const logged = once(events, 'logged');
    const res = await call(base, 'GET', '/a?x=1', { headers: { [header]: key } });
    await logged;
    t.equal(res.status, 200);
    t.same(leaked(logs.text()), [], `${header}: no key in the log`);
    t.match(
      logs.entries()[before],
      { req: { method: 'GET', url: '/a?x=1', headers: { [header.toLowerCase()]: '[redacted]' } } },
      `${header}: request logged with method, url, headers`,
    );
    t.match(
      logs.entries()[before + 2],
      { res: { statusCode: 200, headers: { 'x-request-id': 'req-1' } } },
      `${header}: response logged with status and headers`,
    );
  }
});

t.test('each line carries its ISO time, formatted once per millisecond', async (t) => {
  const clock = createManualClock(Date.UTC(2026, 10, 29, 12, 0, 0, 5));
  const lines: string[] = [];
  const logger = createLogger({ clock, destination: { write: (line: string) => void lines.push(line) } });
  logger.info('first');
  logger.info('same millisecond');
  clock.advance(1);
  logger.warn('next millisecond');
  const times = lines.map((line) => (JSON.parse(line) as { time: string }).time);
  t.same(times, ['2026-11-29T12:00:00.005Z', '2026-11-29T12:00:00.005Z', '2026-11-29T12:00:00.006Z']);
});
