// scripts/image-smoke.sh replays the image without a container engine from
// its own lists of what the Dockerfile copies and sets: those lists must be
// the Dockerfile's, or the smoke test would pass for an image that differs.
import { readFileSync } from 'node:fs';
import t from 'tap';
import { contextCopies, execForm, readDockerfile, stageEnv } from './helpers/dockerfile.js';

const script = readFileSync('scripts/image-smoke.sh', 'utf8');
const stages = readDockerfile();
const build = stages[0]!;
const runtime = stages[stages.length - 1]!;

/** The words of a bash array assignment `NAME=(a 'b' c)`, quotes removed. */
function bashArray(name: string): string[] {
  const found = script.match(new RegExp(`^${name}=\\((.*)\\)$`, 'm'));
  if (!found) throw new Error(`scripts/image-smoke.sh has no ${name}=(...)`);
  return found[1]!
    .trim()
    .split(/\s+/)
    .map((word) => word.replace(/^'(.*)'$/, '$1'));
}

t.test('the build stage inputs are the ones the Dockerfile copies', async (t) => {
  t.same(
    bashArray('BUILD_INPUTS'),
    contextCopies(build).map((path) => path.replace(/^\.\//, '')),
  );
});

t.test('the runtime stage files from the build context are the ones the Dockerfile copies', async (t) => {
  t.same(bashArray('RUNTIME_INPUTS'), contextCopies(runtime));
});

t.test("the process starts with the image's ENV", async (t) => {
  const env = Object.fromEntries(
    bashArray('IMAGE_ENV').map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]),
  );
  t.same(env, stageEnv(runtime));
});

t.test("it starts the image's ENTRYPOINT and CMD", async (t) => {
  const last = (keyword: string) => execForm(runtime.instructions.filter((i) => i.keyword === keyword).at(-1)?.args ?? '') ?? [];
  const [program, ...args] = [...last('ENTRYPOINT'), ...last('CMD')];
  t.equal(program, 'node');
  t.ok(script.includes(`"$node_bin" ${args.join(' ')})`), `the script runs node ${args.join(' ')}`);
});
