// Upgrade tunnels as an attacker would use them, against a "loose" upstream
// that answers 101 (or 200, or 426) to any upgrade and then reads whatever
// follows as HTTP/1.1: the finding was that a read-only key (or no key, on a
// public route) opened a tunnel on an ordinary route and then sent a forged
// request for another organization's admin settings through it. Every case
// here must end with the client refused or answered, and nothing the client
// sent after its handshake at the upstream; the access log must say what the
// client saw.
import { randomBytes } from 'node:crypto';
import t from 'tap';
import { startGatewayStack } from '../helpers/gateway.js';
import { acceptFor, handshakeHeaders, startLooseUpstream, upgrade, type LooseConnection } from '../helpers/websocket.js';

/** The request smuggled behind the handshake: org B's admin settings, with forged identity headers. */
const FORGED = Buffer.from(
  'GET /api/v1/organization/globex/settings HTTP/1.1\r\nHost: up\r\n' +
    'X-Bullseye-Organization-Id: globex\r\nX-Bullseye-Scopes: read write admin\r\n\r\n',
);

/** The loose upstream's answer to each path. */
function answerFor(head: string): string {
  const path = head.split(' ')[1] ?? '';
  const key = /sec-websocket-key: *(\S+)/i.exec(head)?.[1] ?? '';
  const switching = 'HTTP/1.1 101 Switching Protocols\r\n';
  if (path === '/ws/no-accept') return `${switching}Upgrade: websocket\r\nConnection: Upgrade\r\n\r\n`;
  if (path === '/ws/wrong-accept')
    return `${switching}Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptFor('x')}\r\n\r\n`;
  if (path === '/ws/h2c') return `${switching}Upgrade: h2c\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptFor(key)}\r\n\r\n`;
  if (path === '/ws/no-connection') return `${switching}Upgrade: websocket\r\nSec-WebSocket-Accept: ${acceptFor(key)}\r\n\r\n`;
  if (path === '/ws/426')
    return 'HTTP/1.1 426 Upgrade Required\r\nContent-Type: text/plain\r\nContent-Length: 13\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n\r\nupgrade, pls.';
  if (path === '/ws/200') return 'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{"ok":true}';
  // Anything else (ordinary routes): a 101 to any upgrade, as loose frameworks and h2c servers do.
  return `${switching}Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptFor(key)}\r\n\r\n`;
}

t.test('upgrade attacks', async (t) => {
  const loose = await startLooseUpstream(t, answerFor);
  const stack = await startGatewayStack(t, {
    policy: `
upstreams:
  loose: ${loose.origin}
defaults: { upstream: loose, key: org }
routes:
  GET /api/v1/organization/{organization_id}/visitors: read
  GET /api/v1/organization/{organization_id}/settings: admin
  POST /api/v1/organization/{organization_id}/lists: write
  GET /status: public
  GET /ws/{answer}: { scope: read, websocket: true }
`,
  });
  const reader = stack.key({ org: 'acme', scopes: ['read'] });
  const key = `X-API-Key: ${reader.plainKey}`;
  const handshake = handshakeHeaders(randomBytes(16).toString('base64'));

  /** Resolves once every upstream connection opened so far has closed: nothing more can reach it. */
  const settled = async (connections: readonly LooseConnection[]): Promise<void> => {
    await Promise.all(connections.map((connection) => connection.closed));
  };
  let requestCounter = 0;
  const nextRequestId = (): string => `upgrade-attack-${++requestCounter}`;
  const accessLine = (requestId: string) => stack.admin.logs.entry((entry) => entry.msg === 'request' && entry.requestId === requestId);

  const refusals: { label: string; path: string; headers: string[]; method?: string; status: number; code: string }[] = [
    // The finding itself: an ordinary route, a read key, an upgrade.
    {
      label: 'upgrade on an ordinary route, with a read key',
      path: '/api/v1/organization/acme/visitors',
      headers: [...handshake, key],
      status: 400,
      code: 'upgrade_not_allowed',
    },
    {
      label: 'upgrade on an ordinary route, no key (refused before any key is read)',
      path: '/api/v1/organization/acme/visitors',
      headers: handshake,
      status: 400,
      code: 'upgrade_not_allowed',
    },
    { label: 'upgrade on the public /status route', path: '/status', headers: handshake, status: 400, code: 'upgrade_not_allowed' },
    {
      label: 'h2c upgrade on an ordinary route',
      path: '/status',
      headers: ['Upgrade: h2c', 'Connection: Upgrade, HTTP2-Settings', 'HTTP2-Settings: AAMAAABkAARAAAAA'],
      status: 400,
      code: 'upgrade_not_allowed',
    },
    {
      label: 'Upgrade without Connection: upgrade (reaches the plain handler)',
      path: '/status',
      headers: ['Upgrade: h2c', 'Connection: keep-alive'],
      status: 400,
      code: 'upgrade_not_allowed',
    },
    {
      label: 'HTTP2-Settings alone',
      path: '/status',
      headers: ['HTTP2-Settings: AAMAAABkAARAAAAA', 'Connection: keep-alive'],
      status: 400,
      code: 'upgrade_not_allowed',
    },
    {
      label: 'upgrade on a POST route',
      method: 'POST',
      path: '/api/v1/organization/acme/lists',
      headers: [...handshake, key, 'Content-Length: 0'],
      status: 400,
      code: 'upgrade_not_allowed',
    },
    // On a websocket route: only a valid WebSocket handshake.
    {
      label: 'h2c on a websocket route',
      path: '/ws/events',
      headers: ['Upgrade: h2c', 'Connection: Upgrade', key],
      status: 400,
      code: 'upgrade_not_allowed',
    },
    {
      label: 'websocket plus another protocol',
      path: '/ws/events',
      headers: ['Upgrade: websocket, h2c', ...handshake.slice(1), key],
      status: 400,
      code: 'upgrade_not_allowed',
    },
    {
      label: 'an unknown protocol token',
      path: '/ws/events',
      headers: ['Upgrade: foo/1', ...handshake.slice(1), key],
      status: 400,
      code: 'upgrade_not_allowed',
    },
    {
      label: 'no Sec-WebSocket-Key',
      path: '/ws/events',
      headers: [...handshake.filter((h) => !h.startsWith('Sec-WebSocket-Key')), key],
      status: 400,
      code: 'upgrade_not_allowed',
    },
    {
      label: 'a Sec-WebSocket-Key that is not 16 bytes',
      path: '/ws/events',
      headers: [...handshake.filter((h) => !h.startsWith('Sec-WebSocket-Key')), 'Sec-WebSocket-Key: c2hvcnQ=', key],
      status: 400,
      code: 'upgrade_not_allowed',
    },
    {
      label: 'two Sec-WebSocket-Key fields',
      path: '/ws/events',
      headers: [...handshake, `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`, key],
      status: 400,
      code: 'upgrade_not_allowed',
    },
    {
      label: 'Sec-WebSocket-Version 8',
      path: '/ws/events',
      headers: [...handshake.filter((h) => !h.startsWith('Sec-WebSocket-Version')), 'Sec-WebSocket-Version: 8', key],
      status: 400,
      code: 'upgrade_not_allowed',
    },
  ];
  for (const refusal of refusals) {
    t.test(`refused: ${refusal.label}`, async (t) => {
      const before = loose.connections.length;
      const requestId = nextRequestId();
      const answer = await upgrade(stack.gatewayPort, refusal.path, [...refusal.headers, `X-Request-Id: ${requestId}`], {
        method: refusal.method,
        after: FORGED,
      });
      t.equal(answer.status, refusal.status);
      t.match(answer.headers['content-type'], /^application\/problem\+json/);
      t.equal(answer.headers['x-content-type-options'], 'nosniff');
      t.equal(answer.headers['cache-control'], 'no-store');
      t.equal(JSON.parse(answer.body).code, refusal.code);
      t.equal(loose.connections.length, before, 'the upstream was never contacted');
      t.equal((await accessLine(requestId)).status, refusal.status, 'logged with the status the client saw');
    });
  }

  const badAnswers: { path: string; label: string }[] = [
    { path: '/ws/no-accept', label: 'a 101 without Sec-WebSocket-Accept' },
    { path: '/ws/wrong-accept', label: 'a 101 whose Sec-WebSocket-Accept is for another key' },
    { path: '/ws/h2c', label: 'a 101 to another protocol' },
    { path: '/ws/no-connection', label: 'a 101 without Connection: upgrade' },
  ];
  for (const { path, label } of badAnswers) {
    t.test(`502, no tunnel: the upstream answers ${label}`, async (t) => {
      const before = loose.connections.length;
      const requestId = nextRequestId();
      const answer = await upgrade(stack.gatewayPort, path, [...handshake, key, `X-Request-Id: ${requestId}`], { after: FORGED });
      t.equal(answer.status, 502);
      t.equal(JSON.parse(answer.body).code, 'bad_gateway');
      const opened = loose.connections.slice(before);
      t.equal(opened.length, 1, 'the handshake reached the upstream');
      await settled(opened);
      t.equal(opened[0]!.after(), '', 'nothing sent after the handshake reached the upstream');
      const line = await accessLine(requestId);
      t.equal(line.status, 502, 'logged as 502, never 101');
    });
  }

  for (const [path, status, body] of [
    ['/ws/426', 426, 'upgrade, pls.'],
    ['/ws/200', 200, '{"ok":true}'],
  ] as const) {
    t.test(`relayed: the upstream answers the handshake with ${status}, and the connection closes after it`, async (t) => {
      const before = loose.connections.length;
      const requestId = nextRequestId();
      const answer = await upgrade(stack.gatewayPort, path, [...handshake, key, `X-Request-Id: ${requestId}`], { after: FORGED });
      t.equal(answer.status, status, 'the upstream status, relayed');
      t.equal(answer.body, body, 'and its body');
      t.equal(answer.headers.connection, 'close');
      t.equal(answer.headers['x-request-id'], requestId);
      if (status === 426) {
        t.same(
          answer.lines.filter((line) => /^set-cookie:/i.test(line)),
          ['Set-Cookie: a=1', 'Set-Cookie: b=2'],
          'repeated fields kept',
        );
      }
      const opened = loose.connections.slice(before);
      await settled(opened);
      t.equal(opened[0]!.after(), '', 'nothing sent after the handshake reached the upstream');
      t.equal((await accessLine(requestId)).status, status, 'logged with the relayed status');
    });
  }

  t.test('a valid answer on a websocket route opens the tunnel, and the log says 101', async (t) => {
    const requestId = nextRequestId();
    const opened = await upgrade(stack.gatewayPort, '/ws/events', [...handshake, key, `X-Request-Id: ${requestId}`]);
    t.teardown(() => opened.socket.destroy());
    t.equal(opened.status, 101);
    t.equal((await accessLine(requestId)).status, 101);
  });

  t.test('after all of it, the upstream never saw the forged request', async (t) => {
    await settled(loose.connections.filter((connection) => !connection.head.startsWith('GET /ws/events ')));
    const everything = loose.connections.map((connection) => connection.head + connection.after()).join('\n');
    t.notMatch(everything, /organization\/globex\/settings/);
    t.notMatch(everything, /X-Bullseye-Scopes: read write admin/);
  });
});
