// The Dockerfile's essentials, linted from its text (no container engine in
// CI): pinned slim Node 24 base, multi-stage build, non-root USER, HEALTHCHECK
// on /healthz, exec-form ENTRYPOINT/CMD so SIGTERM reaches node, data in a
// VOLUME. Each rule is also shown to catch the mistake it names.
import { readFileSync } from 'node:fs';
import t, { type Test } from 'tap';
import { parseDockerfile } from './helpers/dockerfile.js';
import { lintDockerfile } from './helpers/dockerfile-lint.js';

const text = readFileSync('Dockerfile', 'utf8');
const lint = (source: string) => lintDockerfile(parseDockerfile(source));

/** The shipped Dockerfile with one edit; fails loudly if the edit no longer applies. */
function mutate(t: Test, pattern: RegExp, replacement: string): string {
  t.match(text, pattern, `the Dockerfile still has ${pattern}`);
  return text.replace(pattern, replacement);
}

t.test('the shipped Dockerfile passes every rule', async (t) => {
  t.same(lint(text), []);
});

const MISTAKES: ReadonlyArray<readonly [string, RegExp, string, RegExp]> = [
  ['an unpinned base image', /^FROM node:24-bookworm-slim AS build$/m, 'FROM node:latest AS build', /FROM node:latest: pin the base image/],
  ['a base image without a tag', /^FROM node:24-bookworm-slim$/m, 'FROM node', /FROM node: pin the base image/],
  ['a runtime on another Node major', /^FROM node:24-bookworm-slim$/m, 'FROM node:22-bookworm-slim', /slim Node 24 LTS/],
  ['a runtime from the full image', /^FROM node:24-bookworm-slim$/m, 'FROM node:24-bookworm', /slim Node 24 LTS/],
  ['a single stage', /^FROM node:24-bookworm-slim\n/m, '', /multi-stage build/],
  ['no USER', /^USER .*$/m, '', /non-root USER/],
  ['USER root', /^USER .*$/m, 'USER root', /non-root USER/],
  ['USER 0', /^USER .*$/m, 'USER 0:0', /non-root USER/],
  ['no HEALTHCHECK', /^HEALTHCHECK .*\\\n.*$/m, '', /add a HEALTHCHECK/],
  ['a shell-form HEALTHCHECK', /^ {2}CMD \[.*$/m, '  CMD curl -f http://127.0.0.1:9090/healthz', /HEALTHCHECK CMD in exec form/],
  ['a shell-form ENTRYPOINT', /^ENTRYPOINT .*$/m, 'ENTRYPOINT node dist/cli.js', /ENTRYPOINT in exec form/],
  ['an ENTRYPOINT through a shell', /^ENTRYPOINT .*$/m, 'ENTRYPOINT ["sh", "-c", "node dist/cli.js"]', /must start node itself, not sh/],
  ['a shell-form CMD', /^CMD \["start"\]$/m, 'CMD start', /CMD in exec form/],
  ['another stop signal', /^STOPSIGNAL SIGTERM$/m, 'STOPSIGNAL SIGKILL', /STOPSIGNAL must be SIGTERM/],
  ['no VOLUME', /^VOLUME .*$/m, '', /declare the data directory as a VOLUME/],
  ['a database outside the volume', /DATABASE_PATH=\/data\/bullseye\.db/, 'DATABASE_PATH=/app/data/bullseye.db', /must be in the VOLUME/],
  ['chown after VOLUME', /^(RUN mkdir -p \/data .*)\n(VOLUME .*)$/m, '$2\n$1', /chown the volume's directory|discarded/],
];

for (const [mistake, pattern, replacement, problem] of MISTAKES) {
  t.test(`catches ${mistake}`, async (t) => {
    const problems = lint(mutate(t, pattern, replacement));
    t.ok(
      problems.some((p) => problem.test(p)),
      `${problem} in ${JSON.stringify(problems)}`,
    );
  });
}
