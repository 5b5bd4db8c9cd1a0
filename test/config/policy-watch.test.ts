// Hot reload: the watcher applies good edits however the file is replaced,
// refuses bad ones (logged, old policy kept), and reload() (SIGHUP) works
// without the watcher. Tests wait on the onChange/onError events, never sleep.
import { mkdirSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { OFFLINE, policyHash } from '../../config/policy.js';
import type { Policy } from '../../config/policy-types.js';
import { watchPolicy } from '../../config/policy-watch.js';
import { ConfigError } from '../../core/errors.js';
import { captureLogs } from '../helpers/log-capture.js';
import { tempDir } from '../helpers/temp.js';

type Teardown = { teardown(fn: () => void): void };

const policyText = (routes: string) => `upstreams: { bullseye: http://127.0.0.1:9000 }
defaults: { upstream: bullseye }
routes:
${routes}`;
const V1 = policyText('  GET /status: public\n');
const V2 = policyText('  GET /status: public\n  GET /v2: read\n');
const BAD = policyText('  GET /status: public\n  GET /v2: raed\n');

/** Events as promises, in order, so a test can await the next one. */
function events<T>() {
  const queued: T[] = [];
  const waiting: ((value: T) => void)[] = [];
  return {
    push: (value: T) => {
      const waiter = waiting.shift();
      if (waiter) waiter(value);
      else queued.push(value);
    },
    next: (): Promise<T> => (queued.length ? Promise.resolve(queued.shift() as T) : new Promise<T>((resolve) => waiting.push(resolve))),
  };
}

function setup(t: Teardown, path: string) {
  const logs = captureLogs();
  const changes = events<Policy>();
  const errors = events<ConfigError>();
  const watcher = watchPolicy({
    path,
    context: OFFLINE,
    logger: logs.logger,
    onChange: changes.push,
    onError: errors.push,
    debounceMs: 20,
  });
  t.teardown(() => watcher.close());
  return { watcher, logs, changes, errors };
}

t.test('the initial load failing throws', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'policy.yaml');
  writeFileSync(path, BAD);
  t.throws(() => watchPolicy({ path, context: OFFLINE, logger: captureLogs().logger }), ConfigError);
  t.throws(() => watchPolicy({ path: join(dir, 'missing.yaml'), context: OFFLINE, logger: captureLogs().logger }), ConfigError);
});

t.test('an edit in place is applied', async (t) => {
  const path = join(tempDir(t), 'policy.yaml');
  writeFileSync(path, V1);
  const { watcher, changes, logs } = setup(t, path);
  t.equal(watcher.current().match('GET', '/v2'), undefined);
  writeFileSync(path, V2);
  const policy = await changes.next();
  t.equal(policy.hash, policyHash(V2));
  t.equal(watcher.current(), policy);
  t.equal(watcher.current().match('GET', '/v2')?.value.scope, 'read');
  t.match(logs.entries().at(-1), { level: 'info', msg: 'policy reloaded', hash: policy.hash, previousHash: policyHash(V1) });
});

t.test('an invalid edit is logged and the last good policy stays', async (t) => {
  const path = join(tempDir(t), 'policy.yaml');
  writeFileSync(path, V1);
  const { watcher, changes, errors, logs } = setup(t, path);
  const good = watcher.current();
  writeFileSync(path, BAD);
  const error = await errors.next();
  t.match(error.problems, [/policy\.yaml:5: routes\."GET \/v2": unknown scope "raed"/]);
  t.equal(watcher.current(), good, 'still the old policy');
  const warning = logs.entries().find((entry) => entry.level === 'warn');
  t.match(warning, { msg: 'policy reload refused; keeping the last good policy', hash: good.hash, problems: error.problems });

  // ...and the next good edit is applied as usual.
  writeFileSync(path, V2);
  t.equal((await changes.next()).hash, policyHash(V2));
});

t.test('a rename over the file (editor save) is detected', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'policy.yaml');
  writeFileSync(path, V1);
  const { watcher, changes } = setup(t, path);
  writeFileSync(join(dir, '.policy.yaml.tmp'), V2);
  renameSync(join(dir, '.policy.yaml.tmp'), path);
  t.equal((await changes.next()).hash, policyHash(V2));
  t.equal(watcher.current().hash, policyHash(V2));
});

t.test('a Kubernetes ConfigMap update (..data symlink swap) is detected', async (t) => {
  const dir = tempDir(t);
  for (const [version, text] of [
    ['..v1', V1],
    ['..v2', V2],
  ] as const) {
    mkdirSync(join(dir, version));
    writeFileSync(join(dir, version, 'policy.yaml'), text);
  }
  symlinkSync('..v1', join(dir, '..data'));
  symlinkSync('..data/policy.yaml', join(dir, 'policy.yaml'));
  const { watcher, changes } = setup(t, join(dir, 'policy.yaml'));
  t.equal(watcher.current().hash, policyHash(V1));
  symlinkSync('..v2', join(dir, '..data_tmp'));
  renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
  t.equal((await changes.next()).hash, policyHash(V2));
});

t.test('reload() applies a change at once and reports no-ops', async (t) => {
  const path = join(tempDir(t), 'policy.yaml');
  writeFileSync(path, V1);
  const { watcher, changes, logs } = setup(t, path);
  t.equal(watcher.reload(), false, 'unchanged content: nothing to do');
  t.match(logs.entries().at(-1), { msg: 'policy unchanged' });
  writeFileSync(path, V2);
  t.equal(watcher.reload(), true, 'new content applied');
  t.equal(watcher.current().hash, policyHash(V2));
  t.equal((await changes.next()).hash, policyHash(V2), 'onChange called');
  writeFileSync(path, BAD);
  t.equal(watcher.reload(), false, 'invalid content refused');
  t.equal(watcher.current().hash, policyHash(V2));
});
