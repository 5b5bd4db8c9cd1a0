// The image's essentials as rules over a parsed Dockerfile: every problem
// found, as a sentence naming the line. An empty list means the image builds
// in one stage, runs from a pinned slim Node LTS as non-root, has a health
// check on /healthz, keeps data in a volume and lets SIGTERM reach node.
import { dirname } from 'node:path';
import { execForm, stageEnv, type Instruction, type Stage } from './dockerfile.js';

/** The Node major the image runs, and so the one CI tests on. */
export const IMAGE_NODE_MAJOR = 24;

function checkBaseImages(stages: readonly Stage[], problems: string[]): void {
  const names = new Set(stages.map((s) => s.name).filter(Boolean));
  for (const stage of stages) {
    if (names.has(stage.image)) continue; // FROM an earlier stage
    const [, tag] = stage.image.split(':');
    if (tag === undefined || tag === 'latest' || !/^\d+([.-]|$)/.test(tag)) {
      problems.push(`FROM ${stage.image}: pin the base image to a major version (e.g. node:${IMAGE_NODE_MAJOR}-bookworm-slim)`);
    }
  }
  const runtime = stages[stages.length - 1];
  if (runtime && !new RegExp(`^node:${IMAGE_NODE_MAJOR}([.-][^:]*)?-slim$`).test(runtime.image)) {
    problems.push(`final stage FROM ${runtime.image}: run from a slim Node ${IMAGE_NODE_MAJOR} LTS image`);
  }
}

function checkStages(stages: readonly Stage[], problems: string[]): void {
  if (stages.length < 2) {
    problems.push('build in one stage and run from another (a multi-stage build), so the toolchain stays out of the image');
    return;
  }
  const runtime = stages[stages.length - 1]!;
  const built = runtime.instructions.some((i) => i.keyword === 'COPY' && /--from=/.test(i.args));
  if (!built) problems.push('final stage: COPY --from=<build stage> the built app');
  const installs = runtime.instructions.filter((i) => i.keyword === 'RUN' && /\bnpm (ci|install|i)\b/.test(i.args));
  for (const i of installs) problems.push(`line ${i.line}: no npm install in the final stage (copy the pruned node_modules)`);
}

function checkUser(runtime: Stage, problems: string[]): void {
  const users = runtime.instructions.filter((i) => i.keyword === 'USER');
  const last = users[users.length - 1];
  const user = last?.args.split(':')[0];
  if (last === undefined || user === undefined || user === 'root' || user === '0') {
    problems.push(`final stage: set a non-root USER${last ? ` (line ${last.line} is root)` : ''}`);
  }
}

function checkHealthcheck(runtime: Stage, problems: string[]): void {
  const check = runtime.instructions.find((i) => i.keyword === 'HEALTHCHECK');
  if (!check) {
    problems.push('final stage: add a HEALTHCHECK on /healthz');
    return;
  }
  const cmd = check.args.indexOf('CMD ');
  const argv = cmd === -1 ? undefined : execForm(check.args.slice(cmd + 4).trim());
  if (!argv) problems.push(`line ${check.line}: HEALTHCHECK CMD in exec form (a JSON array: no shell needed)`);
  else if (!argv.join(' ').includes('/healthz') || !argv.join(' ').includes('OPS_PORT')) {
    problems.push(`line ${check.line}: HEALTHCHECK must probe /healthz on the ops port (OPS_PORT)`);
  }
}

function checkEntrypoint(runtime: Stage, problems: string[]): void {
  const last = (keyword: string): Instruction | undefined => runtime.instructions.filter((i) => i.keyword === keyword).pop();
  const entrypoint = last('ENTRYPOINT');
  const cmd = last('CMD');
  const entry = entrypoint && execForm(entrypoint.args);
  if (!entrypoint || !entry) problems.push('final stage: ENTRYPOINT in exec form, so node is PID 1 and gets SIGTERM');
  else if (entry[0] !== 'node') {
    problems.push(`line ${entrypoint.line}: ENTRYPOINT must start node itself, not ${entry[0]}`);
  }
  if (cmd && !execForm(cmd.args)) problems.push(`line ${cmd.line}: CMD in exec form (a JSON array)`);
  const stop = last('STOPSIGNAL');
  if (stop && stop.args !== 'SIGTERM') problems.push(`line ${stop.line}: STOPSIGNAL must be SIGTERM (the signal node drains on)`);
}

function checkVolume(runtime: Stage, problems: string[]): void {
  const index = runtime.instructions.findIndex((i) => i.keyword === 'VOLUME');
  const volume = runtime.instructions[index];
  const database = stageEnv(runtime).DATABASE_PATH;
  if (!volume) {
    problems.push('final stage: declare the data directory as a VOLUME');
    return;
  }
  const paths = execForm(volume.args) ?? volume.args.split(/\s+/);
  if (database === undefined || !paths.includes(dirname(database))) {
    problems.push(`line ${volume.line}: DATABASE_PATH (${database ?? 'unset'}) must be in the VOLUME ${paths.join(', ')}`);
  }
  const before = runtime.instructions.slice(0, index);
  if (!paths.every((path) => before.some((i) => i.keyword === 'RUN' && i.args.includes('chown') && i.args.includes(path)))) {
    problems.push(`line ${volume.line}: chown the volume's directory to the runtime user before VOLUME`);
  }
  for (const i of runtime.instructions.slice(index + 1)) {
    if (i.keyword === 'RUN' && paths.some((path) => i.args.includes(path))) {
      problems.push(`line ${i.line}: changes to a volume after VOLUME are discarded`);
    }
  }
}

export function lintDockerfile(stages: readonly Stage[]): string[] {
  const problems: string[] = [];
  const runtime = stages[stages.length - 1];
  if (!runtime) return ['no FROM instruction'];
  checkBaseImages(stages, problems);
  checkStages(stages, problems);
  checkUser(runtime, problems);
  checkHealthcheck(runtime, problems);
  checkEntrypoint(runtime, problems);
  checkVolume(runtime, problems);
  return problems;
}
