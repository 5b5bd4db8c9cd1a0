// The attack-suite harness: requests as exact bytes, and the one loop that
// checks every refused case the same way: a 4xx problem document with its
// code, no key echoed, nothing at the upstream, and the gateway still serving.
import type { Test } from 'tap';
import type { GatewayStack } from './gateway.js';
import { rawRequest } from './raw-http.js';

/** Every refusal, including those of Node's own parser (malformed_request), is a problem document. */
export interface Attack {
  label: string;
  bytes: string | Buffer;
  expect: { status: number; code: string };
}

/** A request with the given Host, start line and header lines, closed after the response. */
export const requestTo = (host: string, startLine: string, ...headers: string[]): string =>
  `${startLine}\r\nHost: ${host}\r\n${headers.map((h) => `${h}\r\n`).join('')}Connection: close\r\n\r\n`;

/** The same with Host: gw.test. */
export const request = (startLine: string, ...headers: string[]): string => requestTo('gw.test', startLine, ...headers);

/** Each group a subtest, each attack in it one; `servedRequest` must get 200 after every attack. */
export function runAttackGroups(t: Test, stack: GatewayStack, groups: Record<string, Attack[]>, servedRequest: string): void {
  for (const [group, attacks] of Object.entries(groups)) {
    t.test(group, async (t) => {
      for (const attack of attacks) {
        t.test(attack.label, async (t) => {
          const before = stack.upstream.received.length;
          const response = await rawRequest(stack.gatewayPort, attack.bytes);
          t.equal(response.status, attack.expect.status, `status ${attack.expect.status}`);
          t.match(response.headers['content-type'], /^application\/problem\+json/, 'a problem document');
          t.equal(JSON.parse(response.body).code, attack.expect.code, `code ${attack.expect.code}`);
          t.notMatch(response.body, /(bsk|pk)_live_[0-9a-fA-F]{8}/, 'no key echoed');
          t.equal(stack.upstream.received.length, before, 'nothing reached the upstream');
          const after = await rawRequest(stack.gatewayPort, servedRequest);
          t.equal(after.status, 200, 'the gateway keeps serving');
        });
      }
    });
  }
}
