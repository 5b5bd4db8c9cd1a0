// Both halves of the WebSocket handshake as pure checks, table-driven: what a
// client may ask for on which route, and which upstream answers prove a
// WebSocket acceptance of that very handshake (RFC 6455 §4.1, §4.2.2).
import type { IncomingMessage } from 'node:http';
import t from 'tap';
import type { RouteRule } from '../../gateway/pipeline/policy-view.js';
import { checkUpstreamHandshake, screenUpgrade, websocketAccept } from '../../gateway/pipeline/upgrade-handshake.js';

const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
const route = (websocket: boolean): RouteRule =>
  ({ websocket, method: 'GET', template: '/ws', public: false, scope: 'read', family: 'org', cost: 1 }) as unknown as RouteRule;
const request = (method: string, ...fields: string[]): IncomingMessage =>
  ({
    method,
    rawHeaders: fields.flatMap((field) => [field.slice(0, field.indexOf(':')), field.slice(field.indexOf(':') + 1).trim()]),
  }) as IncomingMessage;
const valid = ['Upgrade: websocket', 'Connection: keep-alive, Upgrade', `Sec-WebSocket-Key: ${KEY}`, 'Sec-WebSocket-Version: 13'];

t.test('RFC 6455 §1.3 sample: the accept value of the sample nonce', async (t) => {
  t.equal(websocketAccept(KEY), 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
});

t.test('screenUpgrade', async (t) => {
  const rows: [string, IncomingMessage, boolean, RegExp | undefined][] = [
    ['no upgrade, ordinary route', request('GET', 'Accept: */*'), false, undefined],
    ['no upgrade, websocket route (a plain GET)', request('GET', 'Accept: */*'), true, undefined],
    ['valid handshake, websocket route', request('GET', ...valid), true, undefined],
    [
      'valid handshake, case-insensitive names and tokens',
      request('GET', 'upgrade: WebSocket', 'CONNECTION: UPGRADE', `sec-websocket-key: ${KEY}`, 'sec-websocket-version: 13'),
      true,
      undefined,
    ],
    ['valid handshake, ordinary route', request('GET', ...valid), false, /does not accept protocol upgrades/],
    ['empty Upgrade, ordinary route', request('GET', 'Upgrade: '), false, /does not accept/],
    ['HTTP2-Settings, ordinary route', request('GET', 'HTTP2-Settings: AAMAAABk'), false, /h2c/],
    ['HTTP2-Settings, websocket route', request('GET', ...valid, 'HTTP2-Settings: AAMAAABk'), true, /h2c/],
    ['h2c', request('GET', 'Upgrade: h2c', ...valid.slice(1)), true, /Only the websocket protocol/],
    ['two protocols', request('GET', 'Upgrade: websocket, h2c', ...valid.slice(1)), true, /Only the websocket protocol/],
    ['Upgrade twice', request('GET', ...valid, 'Upgrade: websocket'), true, /Only the websocket protocol/],
    ['POST', request('POST', ...valid), true, /must be a GET/],
    [
      'no Connection: upgrade',
      request('GET', 'Upgrade: websocket', 'Connection: keep-alive', `Sec-WebSocket-Key: ${KEY}`, 'Sec-WebSocket-Version: 13'),
      true,
      /Connection: Upgrade/,
    ],
    ['no key', request('GET', ...valid.filter((f) => !f.startsWith('Sec-WebSocket-Key'))), true, /Sec-WebSocket-Key/],
    [
      'a 15-byte key',
      request('GET', ...valid.slice(0, 2), 'Sec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAA', 'Sec-WebSocket-Version: 13'),
      true,
      /Sec-WebSocket-Key/,
    ],
    [
      'a key with padding bits set',
      request('GET', ...valid.slice(0, 2), 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZR==', 'Sec-WebSocket-Version: 13'),
      true,
      /Sec-WebSocket-Key/,
    ],
    ['two keys', request('GET', ...valid, `Sec-WebSocket-Key: ${KEY}`), true, /Sec-WebSocket-Key/],
    ['version 8', request('GET', ...valid.slice(0, 3), 'Sec-WebSocket-Version: 8'), true, /Version must be 13/],
    ['no version', request('GET', ...valid.slice(0, 3)), true, /Version must be 13/],
  ];
  for (const [label, req, websocket, problem] of rows) {
    const refused = screenUpgrade(req, route(websocket));
    if (problem === undefined) t.equal(refused, undefined, label);
    else {
      t.equal(refused?.code, 'upgrade_not_allowed', `${label}: refused`);
      t.match(refused?.message, problem, `${label}: ${problem}`);
      t.equal(refused?.headers?.connection, 'close', `${label}: the connection closes after the answer`);
    }
  }
});

t.test('checkUpstreamHandshake', async (t) => {
  const accept = `Sec-WebSocket-Accept: ${websocketAccept(KEY)}`;
  const fields = (...lines: string[]) => request('GET', ...lines).rawHeaders;
  const rows: [string, number, string[], string | undefined][] = [
    ['a valid 101', 101, fields('Upgrade: websocket', 'Connection: Upgrade', accept), undefined],
    ['case-insensitive', 101, fields('upgrade: WEBSOCKET', 'connection: keep-alive, upgrade', accept), undefined],
    ['a 200', 200, fields('Content-Length: 0'), 'status 200'],
    ['a 426', 426, fields('Upgrade: websocket'), 'status 426'],
    ['no Upgrade', 101, fields('Connection: Upgrade', accept), 'Upgrade is not websocket'],
    ['Upgrade: h2c', 101, fields('Upgrade: h2c', 'Connection: Upgrade', accept), 'Upgrade is not websocket'],
    ['no Connection', 101, fields('Upgrade: websocket', accept), 'Connection does not list upgrade'],
    ['no accept', 101, fields('Upgrade: websocket', 'Connection: Upgrade'), 'Sec-WebSocket-Accept does not match'],
    [
      'the accept of another key',
      101,
      fields('Upgrade: websocket', 'Connection: Upgrade', `Sec-WebSocket-Accept: ${websocketAccept('x')}`),
      'Sec-WebSocket-Accept does not match',
    ],
    ['two accepts', 101, fields('Upgrade: websocket', 'Connection: Upgrade', accept, accept), 'Sec-WebSocket-Accept does not match'],
  ];
  for (const [label, status, raw, problem] of rows) t.equal(checkUpstreamHandshake(status, raw, KEY), problem, label);
});
