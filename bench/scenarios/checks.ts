// The throughput targets, each with what this run measured. Reported,
// never asserted: a noisy machine must not turn a bench into a flaky test.
import { REDIS_CPU } from '../cpu-time.js';
import { cpuPerRequest, fmt, markdownTable, pct, times, type Summary } from '../report.js';
import { SCRIPT_CALLS, SCRIPT_MICROS, TAKES } from '../targets/redis-cost.js';

const verdict = (value: number, ok: (v: number) => boolean): string =>
  Number.isFinite(value) ? (ok(value) ? 'met' : 'NOT met') : 'not measured';

export function targetChecks(summaries: readonly Summary[]): string {
  const byId = (id: string) => summaries.find((s) => s.id === id && Number.isFinite(s.rps));
  const bare = byId('bare');
  const redis = byId('gateway-redis');
  const memory = byId('gateway-memory');
  const redisWindows = byId('gateway-redis-windows');
  const headersFloor = byId('bare-headers');
  const redisFloor = byId('bare-redis');
  const relative = (s: Summary | undefined, of: Summary | undefined, pick: (s: Summary) => number) => (s && of ? pick(s) / pick(of) : NaN);
  const vsBare = (s: Summary | undefined, pick: (s: Summary) => number) => relative(s, bare, pick);
  const rps = (s: Summary) => s.rps;

  const cpuRatio = (s: Summary | undefined): string => {
    const ratio = vsBare(s, cpuPerRequest);
    return Number.isFinite(ratio) ? `${times(ratio)} (≙ ${pct(1 / ratio)})` : '–';
  };
  const redisRps = vsBare(redis, rps);
  const redisP99 = vsBare(redis, (s) => s.p99Ms);
  const memoryRps = vsBare(memory, rps);
  const redisVsMemoryRps = relative(redis, memory, rps);
  const redisVsMemoryP99 = relative(redis, memory, (s) => s.p99Ms);
  const counter = (s: Summary | undefined, name: string) => s?.perRequest?.[name] ?? NaN;
  const scriptCalls = counter(redis, SCRIPT_CALLS);
  const redisCpu = counter(redis, REDIS_CPU);
  const takes = counter(redis, TAKES);
  // Below 1 is expected with token leases, and also what a limiter fallback looks like.
  const skipped =
    takes < 0.95
      ? '; below 1: the other requests were decided without Redis: admitted from a token lease, or by the limiter fallback (see the notes above)'
      : '';
  const shared = `${fmt(takes)} (${fmt(scriptCalls)} script calls per request: concurrent takes share a call${skipped})`;
  const windowsCost = redisWindows
    ? `${fmt(counter(redisWindows, SCRIPT_CALLS), 3)} script calls, ${fmt(counter(redisWindows, REDIS_CPU), 1)} µs redis-server CPU`
    : '–';
  const rows = [
    ['gateway (Redis) req/s vs bare proxy', pct(redisRps), '≥ 85 %', verdict(redisRps, (r) => r >= 0.85)],
    ['gateway (Redis) p99 vs bare proxy', times(redisP99), '≤ 1.5×', verdict(redisP99, (r) => r <= 1.5)],
    ['gateway (memory) req/s vs bare proxy', pct(memoryRps), '≥ 90 %', verdict(memoryRps, (r) => r >= 0.9)],
    // Where the proxy's core is the limit, its throughput is the inverse of its CPU time per request:
    // the same comparison seen from the proxy's side, to tell its own cost from the rest of the run's.
    ['(for reference) gateway (Redis) CPU per request vs bare proxy', cpuRatio(redis), '≤ 1.18× (≙ 85 %)', ''],
    ['(for reference) gateway (memory) CPU per request vs bare proxy', cpuRatio(memory), '≤ 1.11× (≙ 90 %)', ''],
    // The contract floors: the bare proxy doing only what the contract makes unavoidable. No gateway
    // honouring the contract can beat them, so they bound what the two targets above can reach here.
    [
      "(for reference) bare proxy + contract headers req/s vs bare proxy: the memory target's ceiling",
      pct(vsBare(headersFloor, rps)),
      '',
      '',
    ],
    [
      "(for reference) bare proxy + contract headers + Redis take req/s vs bare proxy: the Redis target's ceiling",
      pct(vsBare(redisFloor, rps)),
      '',
      '',
    ],
    ['(for reference) gateway (memory) req/s vs its ceiling', pct(relative(memory, headersFloor, rps)), '', ''],
    ['(for reference) gateway (Redis) req/s vs its ceiling', pct(relative(redis, redisFloor, rps)), '', ''],
    // Each take travels in exactly one script call and a request makes at most one take, so takes
    // per request count the round trips a request waits for: 1 when every request asks Redis, far
    // below with token leases, where most requests are admitted from a lease and never reach Redis
    // (a lease is itself one take). The load generator counts completed responses, but up to one
    // in-flight request per connection reaches Redis after the count closes: 1 % of slack covers
    // that edge, not a second round trip.
    ['Redis round trips per request (rate-limit takes per request)', shared, '≤ 1', verdict(takes, (n) => n <= 1.01)],
    ['gateway (Redis) req/s vs gateway (memory)', times(redisVsMemoryRps), '≥ 0.97×', verdict(redisVsMemoryRps, (r) => r >= 0.97)],
    ['gateway (Redis) p99 vs gateway (memory)', times(redisVsMemoryP99), '≤ 1.2×', verdict(redisVsMemoryP99, (r) => r <= 1.2)],
    // Script calls (EVALSHA, EVAL) counted by name in commandstats, whatever the MONITOR sample saw.
    ['Redis script calls per request (hot key)', fmt(scriptCalls, 3), '≤ 0.02', verdict(scriptCalls, (n) => n <= 0.02)],
    // The redis-server process' user + system time (/proc, 10 ms ticks) over the round's requests.
    ['redis-server CPU per request', `${fmt(redisCpu, 1)} µs`, '≤ 1 µs', verdict(redisCpu, (us) => us <= 1)],
    // Redis' own accounting of the scripts' run time: what the gateway's takes cost it, without the
    // server's background work (its cron, at a fixed rate whatever the load), which the row above includes.
    ['(for reference) Redis time in script calls per request', `${fmt(counter(redis, SCRIPT_MICROS), 3)} µs`, '', ''],
    ['(for reference) gateway (Redis, 3 windows + quota) per request', windowsCost, '', ''],
  ];
  return ['### Issue targets (this run)', '', markdownTable(['target', 'measured', 'goal', ''], rows)].join('\n');
}
