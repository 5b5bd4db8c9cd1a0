// `npm run bench`: parse the flags, set up the run (scratch folder, process
// group, load generator), run one scenario, print its report, write it under
// bench/results/, stop every child, and exit non-zero if any request errored
// or got an unexpected status.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { BenchContext } from './context.js';
import { describePlan, pinHarness, planCpus, type CpuPlan } from './cpu-pinning.js';
import { chooseLoadGenerator, type LoadChoice } from './load/index.js';
import { createProcessGroup } from './processes.js';
import { machineSection, writeResults } from './report.js';
import { badKeysScenario } from './scenarios/bad-keys.js';
import { compareScenario } from './scenarios/compare.js';
import { fleetScenario } from './scenarios/fleet.js';
import { keysScenario } from './scenarios/keys.js';
import { pipeliningScenario } from './scenarios/pipelining.js';
import { revocationScenario } from './scenarios/revocation.js';
import { THROUGHPUT_TARGETS, throughputScenario } from './scenarios/throughput.js';
import type { Scenario, ScenarioOptions } from './scenarios/types.js';

const SCENARIOS: Record<string, Scenario> = {
  throughput: throughputScenario,
  keys: keysScenario,
  revocation: revocationScenario,
  'bad-keys': badKeysScenario,
  pipelining: pipeliningScenario,
  compare: compareScenario,
  fleet: fleetScenario,
};

const HELP = `Usage: npm run bench -- [options]     (or: node dist/bench/run.js [options] after npm run build)

Options:
  --scenario NAME     ${Object.keys(SCENARIOS).join(' | ')} (default throughput)
  --duration SEC      seconds per target per round (default 10)
  --rounds N          interleaved rounds (default 3)
  --warmup SEC        warm-up per target before round 1 (default 3)
  --connections N     concurrent connections (default 50)
  --threads N         wrk threads (default 1)
  --load KIND         auto | wrk | autocannon (default auto: wrk when installed)
  --targets a,b       throughput targets to run (default all: ${THROUGHPUT_TARGETS.join(', ')})
  --keys N            keys in the large replica, keys scenario (default 1000000)
  --revocations N     revocations to time, revocation scenario (default 100)
  --against DIR       compare scenario: another checkout (npm run build done there) whose gateway
                      is loaded at the same time as this one's, on the same CPU (needs --pin);
                      --targets gateway-redis,gateway-memory compares this build's two limiters
                      (this checkout's Redis against --against's memory, default this checkout)
  --profile           run gateway processes with --cpu-prof (profiles in bench/results/profiles/)
  --pin               pin the proxy under test to the first CPU and everything else to the others
                      (steadier rounds; each ratio is then the proxy's own cost alone)
  --keep              keep the scratch folder (logs, databases) even on success

Writes bench/results/latest.md (throughput) or latest-<scenario>.md, plus a
timestamped .md and .json. Exit 1 if any request errored or got an unexpected
status, or a target failed its smoke check; targets that are not available
(nginx not installed, gateway not built) are reported as such.

fleet: 4 split gateways sharing one redis-server, 1,000 keys (10 hot over their
limit, 990 cold); --connections are spread over the gateways, --rounds is not
used, load is always autocannon (it counts answers per key). Exit 1 also if a
key was admitted more than its bucket allows.
`;

function parseOptions(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      scenario: { type: 'string', default: 'throughput' },
      duration: { type: 'string', default: '10' },
      rounds: { type: 'string', default: '3' },
      warmup: { type: 'string', default: '3' },
      connections: { type: 'string', default: '50' },
      threads: { type: 'string', default: '1' },
      load: { type: 'string', default: 'auto' },
      targets: { type: 'string', default: '' },
      keys: { type: 'string', default: '1000000' },
      revocations: { type: 'string', default: '100' },
      against: { type: 'string' },
      profile: { type: 'boolean', default: false },
      pin: { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const int = (name: keyof typeof values, min: number): number => {
    const n = Number(values[name]);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer ≥ ${min}, got ${values[name]}`);
    return n;
  };
  if (!(values.scenario in SCENARIOS)) throw new Error(`--scenario must be one of ${Object.keys(SCENARIOS).join(', ')}`);
  if (!['auto', 'wrk', 'autocannon'].includes(values.load)) throw new Error('--load must be auto, wrk or autocannon');
  const scenario: ScenarioOptions = {
    durationSec: int('duration', 1),
    rounds: int('rounds', 1),
    warmupSec: int('warmup', 0),
    connections: int('connections', 1),
    targets: values.targets
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    keys: int('keys', 200),
    revocations: int('revocations', 1),
    against: values.against,
  };
  return { ...values, threads: int('threads', 1), load: values.load as LoadChoice, options: scenario };
}

async function main(): Promise<number> {
  let parsed: ReturnType<typeof parseOptions>;
  try {
    parsed = parseOptions(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`bench: ${(err as Error).message}\n\n${HELP}`);
    return 1;
  }
  if (parsed.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const benchDist = fileURLToPath(new URL('.', import.meta.url));
  const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
  const loadAtStart = loadavg();
  const workDir = mkdtempSync(join(tmpdir(), 'bullseye-bench-'));
  let plan: CpuPlan | string = parsed.pin ? planCpus() : 'not pinned: every process may run on every CPU';
  if (typeof plan !== 'string') plan = pinHarness(plan) ?? plan;
  const group = createProcessGroup(workDir, typeof plan === 'string' ? undefined : plan);
  const gatewayNodeArgs: string[] = [];
  if (parsed.profile) {
    const dir = join(repoRoot, 'bench', 'results', 'profiles', new Date().toISOString().replace(/[:.]/g, '-'));
    mkdirSync(dir, { recursive: true });
    gatewayNodeArgs.push('--cpu-prof', `--cpu-prof-dir=${dir}`);
  }
  const ctx: BenchContext = {
    group,
    workDir,
    repoRoot,
    benchDist,
    cliPath: join(repoRoot, 'dist', 'cli.js'),
    gatewayNodeArgs,
    pinned: typeof plan !== 'string',
    log: (message) => process.stderr.write(`bench: ${message}\n`),
  };
  let keep = parsed.keep;
  try {
    const load = await chooseLoadGenerator(ctx, parsed.load, parsed.threads);
    ctx.log(`scenario ${parsed.scenario}, load generator ${load.name}, scratch ${workDir}`);
    const outcome = await (SCENARIOS[parsed.scenario] as Scenario)(ctx, load, parsed.options);
    const machine = machineSection({
      scenario: parsed.scenario,
      generator: load.name,
      ...parsed.options,
      settingsLine: outcome.settingsLine,
      loadAtStart,
      pinning: describePlan(plan),
    });
    const failures = outcome.failures.length ? `\n\n**FAILED**:\n${outcome.failures.map((f) => `- ${f}`).join('\n')}` : '';
    const markdown = `# Bullseye Gateway bench: ${parsed.scenario}\n\n${machine}\n\n${outcome.markdown}${failures}\n`;
    process.stdout.write(`\n${markdown}`);
    const written = writeResults(repoRoot, parsed.scenario, markdown, { machine, options: parsed.options, ...(outcome.data as object) });
    ctx.log(`wrote ${written.join(', ')}`);
    if (outcome.failures.length) {
      keep = true;
      ctx.log(`logs kept in ${workDir}`);
      return 1;
    }
    return 0;
  } catch (err) {
    keep = true;
    const message = group.interrupted ? 'interrupted' : ((err as Error).stack ?? String(err));
    process.stderr.write(`bench: ${message}\nbench: logs kept in ${workDir}\n`);
    return 1;
  } finally {
    await group.stopAll();
    if (!keep) rmSync(workDir, { recursive: true, force: true });
  }
}

// Exit explicitly: a client left open by a failed step must not keep the harness alive.
process.exit(await main());
