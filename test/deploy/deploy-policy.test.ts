// The route policies the deploy/ examples ship (the Kubernetes ConfigMap and
// the compose file's mounted directory) pass the policy validator, and each
// route in them is a route of config/policy.yaml with the same key family,
// scope and cost: an example never grants what the product policy refuses.
import { readFileSync } from 'node:fs';
import t from 'tap';
import { loadPolicyFile, parsePolicy } from '../../config/policy.js';
import type { Policy } from '../../config/policy-types.js';
import { byName, kubernetesObjects } from './helpers/manifests.js';

const COMPOSE_POLICY = 'deploy/compose/policy/policy.yaml';
const shipped = loadPolicyFile('config/policy.yaml');
const configMap = byName(kubernetesObjects(), 'ConfigMap', 'bullseye-policy');

const examples: ReadonlyArray<readonly [string, () => Policy]> = [
  ['the Kubernetes ConfigMap bullseye-policy', () => parsePolicy(configMap.data?.['policy.yaml'] ?? '', 'bullseye-policy/policy.yaml')],
  [COMPOSE_POLICY, () => parsePolicy(readFileSync(COMPOSE_POLICY, 'utf8'), COMPOSE_POLICY)],
];

for (const [name, load] of examples) {
  t.test(`${name} passes the policy validator and matches the shipped routes`, async (t) => {
    const policy = load();
    t.ok(policy.routes.length > 0);
    for (const route of policy.routes) {
      const mine = shipped.routes.find((r) => r.method === route.method && r.template === route.template);
      t.ok(mine, `${route.method} ${route.template} is in config/policy.yaml`);
      if (!mine) continue;
      t.match(
        route,
        { family: mine.family, scope: mine.scope, public: mine.public, cost: mine.cost, upstream: { name: mine.upstream.name } },
        `${route.method} ${route.template}: same key, scope, cost and upstream name`,
      );
      t.equal(route.upstream.forwardKey, mine.upstream.forwardKey, `${route.method} ${route.template}: key forwarded only to the admin`);
    }
  });
}
