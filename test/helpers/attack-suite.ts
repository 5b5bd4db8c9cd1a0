// The attack-suite harness: requests as exact bytes, and the one loop that
// checks every refused case the same way: a 4xx problem document with its
// code, no key echoed, nothing at the upstream, and the gateway still serving.
import type { Test } from 'tap';
import { startGatewayStack, type GatewayStack } from './gateway.js';
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

export const VISITORS = '/api/v1/organization/acme/visitors';
export const LISTS = '/api/v1/organization/acme/lists';
/** Header fields past about the 1000th are hidden from Node's req.headers unless the server lifts its count limit. */
export const PADDING = Array.from({ length: 1_500 }, (_, i) => `p${i}:`);

/** What the refused cases expect. */
export const EXPECT = {
  badTarget: { status: 400, code: 'invalid_request_target' },
  malformed: { status: 400, code: 'malformed_request' },
  noRoute: { status: 404, code: 'route_not_found' },
  ambiguous: { status: 400, code: 'ambiguous_credentials' },
  badHeader: { status: 400, code: 'invalid_header' },
  malformedKey: { status: 401, code: 'malformed_key' },
  wrongOrg: { status: 403, code: 'wrong_organization' },
} as const;

/** The gateway under attack, and the keys the cases use. */
export async function startAttackStack(t: Test) {
  // Hundreds of deliberate 401s from one address would trip the failed-authentication guard (429)
  // and hide the code each case earns: raise its threshold for the suite.
  const stack = await startGatewayStack(t, { settingsYaml: 'rateLimit:\n  authFailures: { requests: 100000, per: 1m }\n' });
  const acme = stack.key({ org: 'acme', scopes: ['read', 'write'] });
  const globex = stack.key({ org: 'globex', scopes: ['read', 'write'] });
  const partner = stack.key({ partner: 'p-1', scopes: ['read'] });
  return { stack, acme, globex, partner, key: `X-API-Key: ${acme.plainKey}`, hexOf: acme.plainKey.slice('bsk_live_'.length) };
}
