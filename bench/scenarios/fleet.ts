// A fleet sharing one Redis: one admin, one redis-server, 4 split-mode
// gateways (REDIS_URL) and 1,000 keys created through the admin API; a few
// hot keys take most of the traffic and hit their limit, the many cold ones
// stay under theirs. Load is spread over the 4 gateways at once (one
// autocannon per gateway, a key drawn per request, responses counted per
// key). Reports per key class and overall admitted against allowed (capacity
// + refill over the measured interval: no limiter may admit more, across all
// gateways), total requests/s, and what each request cost Redis: commands,
// socket reads and redis-server CPU. The baseline token leases are measured
// against (issue 17).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BenchContext } from '../context.js';
import { cpuCounters, REDIS_CPU } from '../cpu-time.js';
import { hotColdPicker, keyMixCounts, runKeyMix, type KeyMixCounts } from '../load/key-mix.js';
import type { LoadGenerator, LoadResult } from '../load/types.js';
import { warningsIn } from '../log-summary.js';
import { fmt, markdownTable } from '../report.js';
import { perRequest, smokeCheck } from '../rounds.js';
import { bootstrapKey } from '../targets/gateway-setup.js';
import { startAdmin, startSplitGateway, type RunningSplitGateway } from '../targets/gateway-split.js';
import { startRedisServer, type BenchRedis } from '../targets/redis.js';
import { startUpstream } from '../targets/upstream.js';
import { createKeysThroughApi, type KeyRequest } from './fleet-keys.js';
import type { ScenarioOptions, ScenarioOutcome } from './types.js';

const GATEWAYS = 4;
const KEYS = 1000;
const HOT_KEYS = 10;
/** Share of all requests carried by the hot keys. */
const HOT_SHARE = 0.8;

interface LimitWindow {
  /** Bucket capacity, refilled continuously over `durationMs`. */
  limit: number;
  durationMs: number;
}

/** Hot keys' own rateLimits (API form): well below their demand. */
const HOT_WINDOW: LimitWindow = { limit: 50, durationMs: 1000 };
/** Cold keys: the policy's defaults.rateLimit, far above a cold key's demand. */
const COLD_WINDOW: LimitWindow = { limit: 20, durationMs: 1000 };
const COLD_POLICY_LIMITS = `rateLimit: { requests: ${COLD_WINDOW.limit}, per: ${COLD_WINDOW.durationMs / 1000}s }`;

type KeyClass = 'hot' | 'cold';

interface FleetKey {
  readonly id: string;
  readonly plainKey: string;
  readonly keyClass: KeyClass;
  readonly window: LimitWindow;
}

interface ClassRow {
  label: string;
  keys: number;
  answered: number;
  admitted: number;
  limited: number;
  allowed: number;
  /** Largest admitted/allowed of one key. */
  maxRatio: number;
  /** Keys that got at least one 429. */
  keysLimited: number;
}

export async function fleetScenario(ctx: BenchContext, load: LoadGenerator, options: ScenarioOptions): Promise<ScenarioOutcome> {
  void load; // per-key counting needs autocannon's per-connection context (load/key-mix.ts)
  const redis = await startRedisServer(ctx, 'fleet-redis');
  const upstream = await startUpstream(ctx);
  const dir = join(ctx.workDir, 'fleet');
  mkdirSync(dir, { recursive: true });
  const databasePath = join(dir, 'keys.db');
  const adminKey = await bootstrapKey(ctx, databasePath, { name: 'fleet admin', scopes: 'read,write,admin' });
  const admin = await startAdmin(ctx, 'fleet-admin', databasePath);

  ctx.log(`creating ${KEYS} keys through the admin API`);
  const createStarted = performance.now();
  const keys = await createKeys(admin.origin, adminKey.plainKey);
  const createMs = performance.now() - createStarted;

  const gateways: RunningSplitGateway[] = [];
  for (let i = 1; i <= GATEWAYS; i++) {
    const plainKey = (keys[keys.length - 1] as FleetKey).plainKey; // a cold key for the smoke check
    const gateway = await startSplitGateway(ctx, {
      name: `fleet-gw${i}`,
      admin,
      upstream,
      plainKey,
      limits: COLD_POLICY_LIMITS,
      redisUrl: redis.url,
    });
    gateways.push(gateway);
  }
  const problems = (await Promise.all(gateways.map(({ target }) => smokeCheck(target)))).flatMap((p, i) =>
    p ? [`fleet-gw${i + 1}: ${p}`] : [],
  );
  if (problems.length) {
    return { markdown: '## Fleet\n\nNot loaded: a gateway failed its smoke check.', failures: problems, data: { problems } };
  }

  const connections = Math.max(1, Math.ceil(options.connections / GATEWAYS));
  const pick = hotColdPicker(HOT_KEYS, KEYS, HOT_SHARE);
  const plainKeys = keys.map((key) => key.plainKey);
  const loadFleet = (durationSec: number, counts: KeyMixCounts) =>
    Promise.all(
      gateways.map(({ target }) =>
        runKeyMix({ url: target.url, header: 'X-API-Key', keys: plainKeys, pick, connections, durationSec }, counts),
      ),
    );
  if (options.warmupSec > 0) {
    ctx.log(`warm-up (${options.warmupSec}s)`);
    await loadFleet(options.warmupSec, keyMixCounts(KEYS));
  }
  // Every bucket full again before the measured interval, so each key's allowance is its capacity + refill.
  await sleep(Math.max(HOT_WINDOW.durationMs, COLD_WINDOW.durationMs) + 100);

  const counters = cpuCounters({ [REDIS_CPU]: redis.pid, ...Object.fromEntries(gateways.map((g) => [g.child.name, g.child.pid])) });
  const before = { cpu: await counters(), redis: await redisTotals(redis), limiter: await limiterTotals(gateways) };
  ctx.log(`measuring: ${GATEWAYS} gateways × ${connections} connections, ${options.durationSec}s`);
  const counts = keyMixCounts(KEYS);
  const calledAt = performance.now();
  const results = await loadFleet(options.durationSec, counts);
  const intervalMs = counts.span.lastAnsweredMs - counts.span.firstBuiltMs;
  ctx.log(`load ran ${fmt((performance.now() - calledAt) / 1000, 2)} s; first request built to last answer ${fmt(intervalMs / 1000, 2)} s`);
  const after = { cpu: await counters(), redis: await redisTotals(redis), limiter: await limiterTotals(gateways) };

  const requests = results.reduce((sum, r) => sum + r.requests, 0);
  const rows = classRows(keys, counts, intervalMs);
  const overall = rows[rows.length - 1] as ClassRow;
  const cpu = perRequest(before.cpu, after.cpu, requests);
  const gatewayCpu = gateways.reduce((sum, g) => sum + (cpu[g.child.name] ?? NaN), 0);
  const commands = perRequest(before.redis, after.redis, requests);
  const scriptCalls = (commands.evalsha ?? 0) + (commands.eval ?? 0);
  const limiter = perRequest(before.limiter, after.limiter, requests);
  const allCommands = Object.entries(commands).reduce((sum, [name, n]) => (name === READS ? sum : sum + n), 0);

  const markdown = [
    '## Fleet',
    `${GATEWAYS} split-mode gateways sharing one redis-server, one admin, ${KEYS.toLocaleString('en-US')} keys created through the admin API in ${fmt(createMs / 1000, 1)} s. ` +
      `${HOT_KEYS} hot keys (own rateLimits ${describe(HOT_WINDOW)}) carry ${HOT_SHARE * 100} % of the requests; ${KEYS - HOT_KEYS} cold keys (the policy's ${describe(COLD_WINDOW)}) share the rest evenly. ` +
      `Load: one autocannon per gateway (${connections} connections each, in the harness' process), a key drawn per request, answers counted per key. ` +
      `Allowed = capacity + refill over the measured interval (${fmt(intervalMs / 1000, 2)} s from the first request built to the last answer, every bucket full at its start); admitted = 2xx answers received (a request in flight when the load stopped is not counted).`,
    '',
    markdownTable(
      [
        'keys',
        'count',
        'answered',
        'admitted (2xx)',
        '429',
        'allowed',
        'admitted/allowed',
        'max admitted/allowed of one key',
        'keys that got a 429',
      ],
      rows.map((row) => [
        row.label,
        String(row.keys),
        String(row.answered),
        String(row.admitted),
        String(row.limited),
        fmt(row.allowed, 0),
        fmt(row.admitted / row.allowed),
        fmt(row.maxRatio),
        String(row.keysLimited),
      ]),
    ),
    '',
    markdownTable(
      ['gateway', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'statuses'],
      results.map((r, i) => [`fleet-gw${i + 1}`, fmt(r.rps, 0), fmt(r.p50Ms), fmt(r.p99Ms), String(r.errors), describeStatuses(r)]),
    ),
    '',
    markdownTable(
      ['fleet figure', 'measured'],
      [
        ['requests/s, all gateways', fmt(requests / (intervalMs / 1000), 0)],
        ['admitted requests/s', fmt(overall.admitted / (intervalMs / 1000), 0)],
        ['max admitted/allowed over all keys (must be ≤ 1.00)', fmt(overall.maxRatio)],
        ['Redis script calls (EVALSHA) per request', fmt(scriptCalls, 3)],
        ['Redis commands per request (commandstats, those run inside scripts included)', fmt(allCommands, 3)],
        ['bucket reads inside scripts (HMGET) per request', fmt(commands.hmget ?? NaN, 3)],
        ['Redis socket reads per request', fmt(commands[READS] ?? NaN, 3)],
        ['redis-server CPU µs per request', fmt(cpu[REDIS_CPU] ?? NaN, 1)],
        ['share of requests paid from token leases (no Redis call)', fmt(limiter[LEASE_ADMISSIONS] ?? NaN, 3)],
        [
          'share of requests answered by the open-mode fallback (Redis failed or timed out; limits then per gateway)',
          fmt(limiter[FALLBACKS] ?? NaN, 4),
        ],
        [`gateway CPU µs per request (${GATEWAYS} processes together)`, fmt(gatewayCpu, 1)],
      ],
    ),
    warnings(gateways),
  ].join('\n');

  const failures: string[] = [];
  if (!(overall.maxRatio <= 1)) {
    const fellBack = (after.limiter[FALLBACKS] ?? 0) - (before.limiter[FALLBACKS] ?? 0);
    const cause = fellBack > 0 ? ` (${fellBack} requests were answered by the per-gateway fallback)` : '';
    failures.push(`over-admission: a key was admitted ${fmt(overall.maxRatio)}× what its bucket allows${cause}`);
  }
  results.forEach((r, i) => {
    const unexpected = Object.entries(r.statuses ?? {}).filter(([status]) => !status.startsWith('2') && status !== '429');
    if (r.errors || unexpected.length) failures.push(`fleet-gw${i + 1}: ${r.errors} errors, unexpected statuses ${describeStatuses(r)}`);
  });
  const settingsLine = `one measured interval of ${options.durationSec} s after ${options.warmupSec} s warm-up and a refill pause; ${GATEWAYS} gateways × ${connections} connections (--rounds not used; load always autocannon in the harness' process, whatever --load says)`;
  return {
    markdown,
    failures,
    settingsLine,
    data: {
      intervalMs,
      createMs,
      results,
      classes: rows,
      perRequest: { ...cpu, ...commands },
      keys: keys.map((key, i) => ({
        class: key.keyClass,
        limit: key.window,
        answered: counts.answered[i],
        admitted: counts.admitted[i],
        limited: counts.limited[i],
        allowed: allowedFor(key.window, intervalMs),
      })),
    },
  };
}

async function createKeys(adminOrigin: string, adminKey: string): Promise<FleetKey[]> {
  const requests: KeyRequest[] = Array.from({ length: KEYS }, (_, i) =>
    i < HOT_KEYS
      ? { name: `fleet hot ${i}`, rateLimits: [{ limit: HOT_WINDOW.limit, duration: HOT_WINDOW.durationMs }] }
      : { name: `fleet cold ${i}` },
  );
  const created = await createKeysThroughApi(adminOrigin, adminKey, requests);
  return created.map((key, i) => ({ ...key, keyClass: i < HOT_KEYS ? 'hot' : 'cold', window: i < HOT_KEYS ? HOT_WINDOW : COLD_WINDOW }));
}

/** Most a token bucket full at the start can admit over `intervalMs`. */
const allowedFor = (window: LimitWindow, intervalMs: number): number => window.limit + (window.limit * intervalMs) / window.durationMs;

function classRows(keys: readonly FleetKey[], counts: KeyMixCounts, intervalMs: number): ClassRow[] {
  const row = (label: string, keep: (key: FleetKey) => boolean): ClassRow => {
    const totals: ClassRow = { label, keys: 0, answered: 0, admitted: 0, limited: 0, allowed: 0, maxRatio: 0, keysLimited: 0 };
    keys.forEach((key, i) => {
      if (!keep(key)) return;
      const allowed = allowedFor(key.window, intervalMs);
      const admitted = counts.admitted[i] as number;
      totals.keys++;
      totals.answered += counts.answered[i] as number;
      totals.admitted += admitted;
      totals.limited += counts.limited[i] as number;
      totals.allowed += allowed;
      totals.maxRatio = Math.max(totals.maxRatio, admitted / allowed);
      if ((counts.limited[i] as number) > 0) totals.keysLimited++;
    });
    return totals;
  };
  return [
    row(`hot (${describe(HOT_WINDOW)})`, (key) => key.keyClass === 'hot'),
    row(`cold (${describe(COLD_WINDOW)})`, (key) => key.keyClass === 'cold'),
    row('all', () => true),
  ];
}

const READS = 'socket reads';

/** Commands per name since redis-server started (our INFO excluded), plus socket reads. */
const LEASE_ADMISSIONS = 'lease admissions';
const FALLBACKS = 'fallbacks';

/** The gateways' limiter counters, summed (their /metrics). */
async function limiterTotals(gateways: readonly RunningSplitGateway[]): Promise<Record<string, number>> {
  const totals = { [LEASE_ADMISSIONS]: 0, [FALLBACKS]: 0 };
  for (const gateway of gateways) {
    const text = await (await fetch(`${gateway.opsOrigin}/metrics`)).text();
    const counter = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
    totals[LEASE_ADMISSIONS] += counter('bullseye_gateway_rate_limiter_lease_admissions_total');
    totals[FALLBACKS] += counter('bullseye_gateway_rate_limiter_fallbacks_total');
  }
  return totals;
}

async function redisTotals(redis: BenchRedis): Promise<Record<string, number>> {
  return { ...(await redis.commandCalls()), [READS]: await redis.readsProcessed() };
}

const describe = (window: LimitWindow): string => `${window.limit}/${window.durationMs / 1000}s`;

const describeStatuses = (r: LoadResult): string =>
  Object.entries(r.statuses ?? {})
    .map(([status, n]) => `${status}: ${n}`)
    .join(', ') || '–';

function warnings(gateways: readonly RunningSplitGateway[]): string {
  const lines = gateways.flatMap(({ child }) => {
    const found = warningsIn(child.logPath);
    return found ? [`- ${child.name}: ${found}`] : [];
  });
  return lines.length ? `\nGateway log warnings:\n${lines.join('\n')}` : '';
}
