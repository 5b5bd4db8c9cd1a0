// Revocation propagation: one admin, two gateways following its change feed.
// For each of N fresh keys, in turn: check both gateways accept it, send the
// DELETE, and poll both gateways with the key until each answers 401. The
// time from sending the DELETE to the later of the two refusals is what a
// user of a revoked key sees.
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client } from 'undici';
import { BENCH_ORG, BENCH_PATH, type BenchContext } from '../context.js';
import { httpCall } from '../http.js';
import type { LoadGenerator } from '../load/types.js';
import { fmt, markdownTable } from '../report.js';
import { bootstrapKey } from '../targets/gateway-setup.js';
import { startAdmin, startSplitGateway } from '../targets/gateway-split.js';
import { startUpstream } from '../targets/upstream.js';
import { percentile } from './stats.js';
import type { ScenarioOptions, ScenarioOutcome } from './types.js';

const GIVE_UP_MS = 5_000;
const KEYS_PATH = `/api/v1/organization/${BENCH_ORG}/api-keys`;

export async function revocationScenario(ctx: BenchContext, _load: LoadGenerator, options: ScenarioOptions): Promise<ScenarioOutcome> {
  const upstream = await startUpstream(ctx);
  const databasePath = join(ctx.workDir, 'revocation.db');
  const adminKey = await bootstrapKey(ctx, databasePath, { name: 'bench-admin', scopes: 'read,write,admin' });
  const admin = await startAdmin(ctx, 'admin', databasePath);
  const gateways = [];
  for (const name of ['gateway-a', 'gateway-b']) {
    gateways.push(await startSplitGateway(ctx, { name, admin, upstream, plainKey: adminKey.plainKey }));
  }
  const clients = gateways.map((g) => new Client(new URL(g.target.url).origin, { pipelining: 1 }));
  const ask = async (client: Client, key: string): Promise<number> => {
    const { statusCode, body } = await client.request({ method: 'GET', path: BENCH_PATH, headers: { 'x-api-key': key } });
    await body.dump();
    return statusCode;
  };
  /** Poll until `status` or the deadline; resolves with the elapsed ms since `from`, or NaN. */
  const until = async (client: Client, key: string, status: number, from: number): Promise<number> => {
    while (performance.now() - from < GIVE_UP_MS) {
      if ((await ask(client, key)) === status) return performance.now() - from;
    }
    return Number.NaN;
  };

  const failures: string[] = [];
  const samples: { both: number; perGateway: number[]; deleteMs: number }[] = [];
  try {
    ctx.log(`timing ${options.revocations} revocations across ${gateways.length} gateways`);
    for (let i = 0; i < options.revocations && failures.length < 5; i++) {
      const created = await httpCall(admin.origin + KEYS_PATH, {
        method: 'POST',
        headers: { 'x-api-key': adminKey.plainKey, 'content-type': 'application/json' },
        body: JSON.stringify({ name: `revocation-${i}`, scopes: ['read'] }),
      });
      if (created.status !== 201) throw new Error(`creating a key: status ${created.status}: ${created.text.slice(0, 200)}`);
      const { apiKey, plainKey } = JSON.parse(created.text) as { apiKey: { id: string }; plainKey: string };
      const accepted = await Promise.all(clients.map((c) => until(c, plainKey, 200, performance.now())));
      if (accepted.some(Number.isNaN)) {
        failures.push(`key ${i} was never accepted by both gateways`);
        continue;
      }
      const start = performance.now();
      const revoked = await httpCall(`${admin.origin}${KEYS_PATH}/${apiKey.id}`, {
        method: 'DELETE',
        headers: { 'x-api-key': adminKey.plainKey },
      });
      const deleteMs = performance.now() - start;
      if (revoked.status !== 204) throw new Error(`revoking a key: status ${revoked.status}: ${revoked.text.slice(0, 200)}`);
      const perGateway = await Promise.all(clients.map((c) => until(c, plainKey, 401, start)));
      if (perGateway.some(Number.isNaN)) failures.push(`key ${i} still accepted ${GIVE_UP_MS} ms after its revocation`);
      else samples.push({ both: Math.max(...perGateway), perGateway, deleteMs });
    }
  } finally {
    await Promise.all(clients.map((c) => c.close()));
  }

  const row = (label: string, values: number[]) => [
    label,
    String(values.length),
    fmt(percentile(values, 50)),
    fmt(percentile(values, 99)),
    fmt(Math.max(...values)),
  ];
  const table = markdownTable(
    ['measure (ms from sending the DELETE)', 'n', 'p50', 'p99', 'max'],
    [
      row(
        'both gateways refuse the key',
        samples.map((s) => s.both),
      ),
      ...gateways.map((g, i) =>
        row(
          `${g.target.label} refuses it`,
          samples.map((s) => s.perGateway[i] as number),
        ),
      ),
      row(
        'admin answers 204',
        samples.map((s) => s.deleteMs),
      ),
    ],
  );
  const p99 = percentile(
    samples.map((s) => s.both),
    99,
  );
  const markdown = [
    '## Revocation propagation',
    `One admin (\`bullseye-gateway admin\`) and two gateways (\`bullseye-gateway gateway\`, following the change feed). Each revocation: a fresh key accepted by both, then DELETE, then both gateways polled back to back with the key until 401.`,
    '',
    table,
    '',
    `Issue target: p99 ≤ 100 ms across two gateways: measured ${fmt(p99)} ms (${Number.isFinite(p99) ? (p99 <= 100 ? 'met' : 'NOT met') : 'not measured'}).`,
  ].join('\n');
  const settingsLine = `${options.revocations} revocations, one after another (no load generator)`;
  return { markdown, failures, data: { samples }, settingsLine };
}
