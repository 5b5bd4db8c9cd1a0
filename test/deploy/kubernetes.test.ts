// The Kubernetes example (deploy/kubernetes) holds together: a service pod
// with the gateway as a sidecar (probes on its ops port, resources, policy
// from a ConfigMap directory), the admin as one replica on a volume, the
// gateways pointed at the admin's sync port, and that port closed to
// everything but gateway pods. Checked from the YAML; no cluster runs here.
import { basename, dirname } from 'node:path';
import t from 'tap';
import { parsePolicy } from '../../config/policy.js';
import {
  byName,
  containerEnv,
  IMAGE,
  imageEnv,
  kubernetesObjects,
  ofKind,
  podTemplate,
  resolvePort,
  type Container,
  type K8sObject,
  type PodTemplate,
} from './helpers/manifests.js';

const objects = kubernetesObjects();
const deployments = ofKind(objects, 'Deployment');
const runs = (command: string) => (c: Container) => c.image === IMAGE && c.args?.[0] === command;
const withContainer = (command: string) => deployments.filter((d) => podTemplate(d).spec.containers.some(runs(command)));
const only = <T>(items: readonly T[], what: string): T => {
  if (items.length !== 1) throw new Error(`expected one ${what}, found ${items.length}`);
  return items[0]!;
};
/** The container's settings as the process sees them: the image's ENV under the manifest's env. */
const envOf = (c: Container) => ({ ...imageEnv(), ...containerEnv(c, objects) });
const selects = (selector: Record<string, string>, pod: PodTemplate) =>
  Object.entries(selector).every(([key, value]) => pod.metadata.labels[key] === value);
const servicesFor = (d: K8sObject) => ofKind(objects, 'Service').filter((s) => selects(s.spec.selector, podTemplate(d)));

const gatewayDeployments = withContainer('gateway');
const admin = only(withContainer('admin'), 'admin Deployment');
const adminContainer = only(podTemplate(admin).spec.containers.filter(runs('admin')), 'admin container');
const adminEnv = envOf(adminContainer);

t.test('every document is a named Kubernetes object, and every kind the example needs is there', async (t) => {
  for (const o of objects) t.ok(o.apiVersion && o.kind && o.metadata?.name, `${o.file}: ${o.kind} ${o.metadata?.name}`);
  const kinds = new Set(objects.map((o) => o.kind));
  for (const kind of ['Deployment', 'Service', 'ConfigMap', 'Secret', 'PersistentVolumeClaim', 'NetworkPolicy'])
    t.ok(kinds.has(kind), kind);
});

t.test('every bullseye container runs the same image with a known command', async (t) => {
  const ours = deployments.flatMap((d) => podTemplate(d).spec.containers).filter((c) => c.image.startsWith('bullseye-gateway'));
  t.ok(ours.length >= 2);
  for (const c of ours) {
    t.equal(c.image, IMAGE, `${c.name} image`);
    t.ok(['gateway', 'admin', 'start'].includes(c.args?.[0] ?? ''), `${c.name} runs ${c.args?.[0]}`);
  }
});

t.test('the gateway is a sidecar: the service Service sends traffic to its port', async (t) => {
  t.ok(gatewayDeployments.length >= 1);
  for (const d of gatewayDeployments) {
    const pod = podTemplate(d);
    const gateway = only(pod.spec.containers.filter(runs('gateway')), 'gateway container');
    t.ok(pod.spec.containers.length >= 2, `${d.metadata.name}: the gateway shares the pod with the service it guards`);
    const services = servicesFor(d);
    t.ok(services.length >= 1, `${d.metadata.name} has a Service`);
    for (const s of services) {
      for (const port of s.spec.ports as { targetPort: number | string }[]) {
        t.equal(resolvePort(gateway, port.targetPort), Number(envOf(gateway).GATEWAY_PORT ?? 8080), `${s.metadata.name} → gateway port`);
      }
    }
  }
});

t.test('probes: /readyz and /healthz on OPS_PORT, with resources set', async (t) => {
  const ours = deployments.flatMap((d) => podTemplate(d).spec.containers.filter((c) => c.image === IMAGE));
  for (const c of ours) {
    const opsPort = Number(envOf(c).OPS_PORT ?? 9090);
    t.equal(c.readinessProbe?.httpGet?.path, '/readyz', `${c.name} readiness`);
    t.equal(c.livenessProbe?.httpGet?.path, '/healthz', `${c.name} liveness`);
    t.equal(resolvePort(c, c.readinessProbe?.httpGet?.port ?? ''), opsPort, `${c.name} readiness on OPS_PORT`);
    t.equal(resolvePort(c, c.livenessProbe?.httpGet?.port ?? ''), opsPort, `${c.name} liveness on OPS_PORT`);
    for (const bound of ['requests', 'limits'] as const) {
      t.ok(c.resources?.[bound]?.cpu && c.resources[bound]?.memory, `${c.name} ${bound}: cpu and memory`);
    }
  }
});

t.test('the policy is a ConfigMap mounted as a directory, so file-change reload works', async (t) => {
  for (const d of gatewayDeployments) {
    const pod = podTemplate(d);
    const gateway = only(pod.spec.containers.filter(runs('gateway')), 'gateway container');
    const policyPath = envOf(gateway).POLICY_PATH!;
    const mount = gateway.volumeMounts?.find((m) => m.mountPath === dirname(policyPath));
    t.ok(mount, `a volume is mounted at ${dirname(policyPath)}`);
    t.equal(mount?.subPath, undefined, 'no subPath: its files never see ConfigMap updates');
    const volume = pod.spec.volumes?.find((v) => v.name === mount?.name);
    const configMap = byName(objects, 'ConfigMap', volume?.configMap?.name ?? '');
    t.type(configMap.data?.[basename(policyPath)], 'string', `the ConfigMap has ${basename(policyPath)}`);
  }
});

t.test('the admin: one replica, recreated on rollout, its database on a claimed volume', async (t) => {
  t.equal(admin.spec.replicas, 1, 'SQLite has one writer');
  t.equal(admin.spec.strategy?.type, 'Recreate', 'never two admins on the volume during a rollout');
  const mount = adminContainer.volumeMounts?.find((m) => m.mountPath === dirname(adminEnv.DATABASE_PATH!));
  const volume = podTemplate(admin).spec.volumes?.find((v) => v.name === mount?.name);
  t.ok(byName(objects, 'PersistentVolumeClaim', volume?.persistentVolumeClaim?.claimName ?? ''), 'DATABASE_PATH is on a PVC');
});

t.test("gateways follow the admin's sync port through its Service", async (t) => {
  const service = only(servicesFor(admin), 'admin Service');
  const port = (target: number) =>
    (service.spec.ports as { port: number; targetPort: number | string }[]).find(
      (p) => resolvePort(adminContainer, p.targetPort) === target,
    );
  t.ok(port(Number(adminEnv.ADMIN_PORT)), 'the Service exposes ADMIN_PORT');
  const sync = port(Number(adminEnv.SYNC_PORT));
  for (const d of gatewayDeployments) {
    const gateway = only(podTemplate(d).spec.containers.filter(runs('gateway')), 'gateway container');
    t.equal(envOf(gateway).SYNC_URL, `http://${service.metadata.name}:${sync?.port}`, `${d.metadata.name} SYNC_URL`);
    t.equal(envOf(gateway).SYNC_TOKEN, adminEnv.SYNC_TOKEN, 'the same sync token');
  }
});

t.test("the sidecars' policy sends the key routes to the admin Service's API port", async (t) => {
  const service = only(servicesFor(admin), 'admin Service');
  const api = (service.spec.ports as { port: number; targetPort: number | string }[]).find(
    (p) => resolvePort(adminContainer, p.targetPort) === Number(adminEnv.ADMIN_PORT),
  );
  const policy = parsePolicy(byName(objects, 'ConfigMap', 'bullseye-policy').data?.['policy.yaml'] ?? '', 'bullseye-policy');
  t.equal(policy.upstreams.get('admin')?.origin, `http://${service.metadata.name}:${api?.port}`);
});

t.test('only gateway pods may reach the sync port', async (t) => {
  const syncPort = Number(adminEnv.SYNC_PORT);
  const policy = only(
    ofKind(objects, 'NetworkPolicy').filter((p) => selects(p.spec.podSelector.matchLabels, podTemplate(admin))),
    'admin NetworkPolicy',
  );
  t.ok(policy.spec.policyTypes.includes('Ingress'));
  type Peer = { podSelector?: { matchLabels?: Record<string, string> }; namespaceSelector?: unknown; ipBlock?: unknown };
  const rules = (policy.spec.ingress as { from?: Peer[]; ports?: { port: number | string }[] }[]).filter(
    (rule) => !rule.ports || rule.ports.some((p) => resolvePort(adminContainer, p.port) === syncPort),
  );
  t.ok(rules.length >= 1, 'a rule opens the sync port');
  for (const rule of rules) {
    t.ok(rule.from?.length, 'the rule names who may connect');
    for (const peer of rule.from ?? []) {
      const labels = peer.podSelector?.matchLabels ?? {};
      t.ok(!peer.namespaceSelector && !peer.ipBlock && Object.keys(labels).length > 0, `peer ${JSON.stringify(peer)} is a pod selector`);
      for (const d of gatewayDeployments) t.ok(selects(labels, podTemplate(d)), `${d.metadata.name} pods match it`);
      t.notOk(selects(labels, podTemplate(admin)), 'the admin pod itself is no gateway');
    }
  }
});
