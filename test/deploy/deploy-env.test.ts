// Every environment variable the deploy/ examples give the gateway and admin
// containers is one the settings loader reads (a misspelt name would be
// silently ignored), and the settings loader accepts each container's
// environment as the process would see it: the image's ENV under the
// example's, Secrets resolved, compose variables interpolated.
import t from 'tap';
import { loadSettings, SETTINGS_ENV_VARS } from '../../config/gateway-settings.js';
import { containerEnv, IMAGE, imageEnv, interpolate, kubernetesObjects, ofKind, podTemplate, readCompose } from './helpers/manifests.js';

/** Read by Node itself, not by the settings loader. */
const NODE_VARS = ['NODE_ENV', 'NODE_OPTIONS'];
const KNOWN = new Set([...SETTINGS_ENV_VARS, ...NODE_VARS]);
/** What the operator exports before `docker compose up` (the example requires it). */
const COMPOSE_VARS = { SYNC_TOKEN: 'compose-example-sync-token-0123456789' };

interface Case {
  where: string;
  command: string;
  env: Record<string, string>;
}

function kubernetesCases(): Case[] {
  const objects = kubernetesObjects();
  return ofKind(objects, 'Deployment').flatMap((d) =>
    podTemplate(d)
      .spec.containers.filter((c) => c.image === IMAGE)
      .map((c) => ({ where: `${d.file}: ${d.metadata.name}/${c.name}`, command: c.args?.[0] ?? 'start', env: containerEnv(c, objects) })),
  );
}

function composeCases(): Case[] {
  return Object.entries(readCompose().services)
    .filter(([, service]) => service.image === IMAGE)
    .map(([name, service]) => ({
      where: `deploy/docker-compose.yml: ${name}`,
      command: service.command?.[0] ?? 'start',
      env: Object.fromEntries(
        Object.entries(service.environment ?? {}).map(([key, value]) => [key, interpolate(String(value), COMPOSE_VARS)]),
      ),
    }));
}

const cases = [...kubernetesCases(), ...composeCases()];

t.test('the examples run gateways and an admin', async (t) => {
  const commands = cases.map((c) => c.command);
  t.ok(commands.filter((c) => c === 'gateway').length >= 2, 'a gateway in each example');
  t.ok(commands.filter((c) => c === 'admin').length >= 2, 'an admin in each example');
});

t.test('every variable name is one the gateway reads', async (t) => {
  t.ok(SETTINGS_ENV_VARS.includes('OPS_PORT'), 'the loader lists its variables');
  for (const { where, env } of cases) {
    for (const name of Object.keys(env)) t.ok(KNOWN.has(name), `${where}: ${name} is a known variable`);
  }
  for (const name of Object.keys(imageEnv())) t.ok(KNOWN.has(name), `Dockerfile ENV ${name} is a known variable`);
});

t.test('the settings loader accepts each container environment', async (t) => {
  for (const { where, command, env } of cases) {
    const settings = loadSettings({ ...imageEnv(), ...env });
    t.equal(settings.host, '0.0.0.0', `${where}: listens beyond loopback, so probes and peers reach it`);
    if (command === 'gateway') {
      t.ok(settings.syncUrl, `${where}: split mode needs SYNC_URL`);
      t.ok(settings.syncToken, `${where}: split mode needs SYNC_TOKEN`);
      t.ok(settings.redisUrl, `${where}: gateways share limits through Redis`);
    }
    if (command === 'admin') t.ok(settings.syncToken, `${where}: the admin serves the change feed`);
  }
});
