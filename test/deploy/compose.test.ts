// The docker-compose example holds together: admin, one gateway, Redis and a
// sample upstream, each with a health check; the gateway's settings point at
// the other services by name; the sync port is never published; the policy is
// a mounted directory whose upstreams are compose services.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import t from 'tap';
import { parsePolicy } from '../../config/policy.js';
import { COMPOSE_FILE, IMAGE, imageEnv, interpolate, readCompose } from './helpers/manifests.js';

const compose = readCompose();
const services = compose.services;
const VARS = { SYNC_TOKEN: 'compose-example-sync-token-0123456789' };
const envOf = (name: string): Record<string, string> => ({
  ...imageEnv(),
  ...Object.fromEntries(Object.entries(services[name]?.environment ?? {}).map(([k, v]) => [k, interpolate(String(v), VARS)])),
});
const byCommand = (command: string) => Object.keys(services).filter((name) => services[name]?.command?.[0] === command);
const gateway = byCommand('gateway')[0] ?? '';
const admin = byCommand('admin')[0] ?? '';
/** `./x:/y:ro` → { from: './x', to: '/y' }. */
const mounts = (name: string) => (services[name]?.volumes ?? []).map((v) => ({ from: v.split(':')[0]!, to: v.split(':')[1]! }));

t.test('admin, one gateway, Redis and an upstream, each health-checked', async (t) => {
  t.equal(byCommand('gateway').length, 1, 'one gateway');
  t.equal(byCommand('admin').length, 1, 'one admin');
  t.ok(
    Object.values(services).some((s) => s.image?.startsWith('redis:')),
    'Redis',
  );
  t.ok(services.upstream, 'a sample upstream');
  for (const [name, service] of Object.entries(services)) {
    t.equal(service.healthcheck?.test[0], 'CMD', `${name}: exec-form health check`);
    if (service.image?.startsWith('bullseye-gateway')) t.equal(service.image, IMAGE, `${name} runs ${IMAGE}`);
  }
  for (const dependency of Object.keys(services[gateway]?.depends_on ?? {})) t.ok(services[dependency], `depends on ${dependency}`);
});

t.test('the gateway and the admin are healthy when /readyz on their OPS_PORT says so', async (t) => {
  for (const name of [gateway, admin]) {
    const probe = services[name]?.healthcheck?.test.join(' ') ?? '';
    t.match(probe, /\/readyz/, `${name} probes /readyz`);
    t.equal(probe.match(/127\.0\.0\.1:(\d+)\//)?.[1], envOf(name).OPS_PORT, `${name} probes its OPS_PORT`);
  }
});

t.test('the gateway reaches the admin feed and Redis by service name', async (t) => {
  const env = envOf(gateway);
  t.equal(env.SYNC_URL, `http://${admin}:${envOf(admin).SYNC_PORT}`);
  t.equal(env.SYNC_TOKEN, envOf(admin).SYNC_TOKEN, 'the same sync token');
  t.ok(services[new URL(env.REDIS_URL!).hostname]?.image?.startsWith('redis:'), 'REDIS_URL names the Redis service');
  t.throws(
    () => interpolate(String(services[admin]?.environment?.SYNC_TOKEN), {}),
    /SYNC_TOKEN/,
    'no default token: the operator must set one',
  );
});

t.test('the sync port is not published; the database is on a named volume', async (t) => {
  const published = (name: string) => (services[name]?.ports ?? []).map((p) => p.split(':').at(-1));
  for (const name of Object.keys(services))
    t.notOk(published(name).includes(envOf(admin).SYNC_PORT), `${name} does not publish the sync port`);
  const data = mounts(admin).find((m) => m.to === dirname(envOf(admin).DATABASE_PATH!));
  t.ok(data && compose.volumes && data.from in compose.volumes, 'DATABASE_PATH is on a named volume');
});

t.test('the policy is a mounted directory whose upstreams are compose services', async (t) => {
  const policyPath = envOf(gateway).POLICY_PATH!;
  const mount = mounts(gateway).find((m) => m.to === dirname(policyPath));
  t.ok(mount, `a directory is mounted at ${dirname(policyPath)}, not the file alone`);
  const file = join(dirname(COMPOSE_FILE), mount?.from ?? '', policyPath.slice(dirname(policyPath).length + 1));
  t.ok(existsSync(file), `${file} exists`);
  const policy = parsePolicy(readFileSync(file, 'utf8'), file);
  for (const upstream of policy.upstreams.values()) {
    const url = new URL(upstream.origin);
    const env = envOf(url.hostname);
    const port = url.hostname === admin ? env.ADMIN_PORT : env.PORT;
    t.ok(services[url.hostname], `upstream ${upstream.name} is the compose service ${url.hostname}`);
    t.equal(url.port, port, `upstream ${upstream.name} uses the port ${url.hostname} listens on`);
  }
});
