// Loaders for the deploy/ examples, typed just enough for the checks in
// test/deploy: every YAML document parsed strictly (a syntax error or a
// duplicate key fails), Kubernetes containers with their environment resolved
// from Secrets, compose services with ${VAR} interpolated.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { readDockerfile, stageEnv } from './dockerfile.js';

export const KUBERNETES_DIR = 'deploy/kubernetes';
export const COMPOSE_FILE = 'deploy/docker-compose.yml';
/** The image every example runs the gateway and admin from: `bullseye-gateway:<package version>`. */
export const IMAGE = `bullseye-gateway:${(JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version}`;

export interface ContainerPort {
  name?: string;
  containerPort: number;
}
export interface Probe {
  httpGet?: { path: string; port: number | string };
  tcpSocket?: { port: number | string };
  exec?: unknown;
}
export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string } };
}
export interface Container {
  name: string;
  image: string;
  args?: string[];
  env?: EnvVar[];
  ports?: ContainerPort[];
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  volumeMounts?: { name: string; mountPath: string; subPath?: string }[];
}
export interface Volume {
  name: string;
  configMap?: { name: string };
  persistentVolumeClaim?: { claimName: string };
}
export interface PodTemplate {
  metadata: { labels: Record<string, string> };
  spec: { containers: Container[]; volumes?: Volume[] };
}

/** A Kubernetes object as written; `spec` stays loose and is narrowed where read. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  /** Shapes differ by kind: each check reads what it needs. */
  spec?: any;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  file: string;
}

/** Every document of a YAML file; throws naming the file and line on any error or warning. */
export function readYamlDocuments(path: string): unknown[] {
  return parseAllDocuments(readFileSync(path, 'utf8'), { uniqueKeys: true, prettyErrors: true }).map((doc) => {
    const problems = [...doc.errors, ...doc.warnings];
    if (problems.length) throw new Error(`${path}: ${problems.map((p) => p.message).join('; ')}`);
    return doc.toJS() as unknown;
  });
}

export const kubernetesFiles = (): string[] =>
  readdirSync(KUBERNETES_DIR)
    .filter((name) => /\.ya?ml$/.test(name))
    .sort()
    .map((name) => join(KUBERNETES_DIR, name));

export function kubernetesObjects(): K8sObject[] {
  return kubernetesFiles().flatMap((file) =>
    readYamlDocuments(file)
      .filter((doc) => doc !== null)
      .map((doc) => ({ ...(doc as Omit<K8sObject, 'file'>), file })),
  );
}

export const ofKind = (objects: readonly K8sObject[], kind: string): K8sObject[] => objects.filter((o) => o.kind === kind);

export function byName(objects: readonly K8sObject[], kind: string, name: string): K8sObject {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`no ${kind} named ${name} in ${KUBERNETES_DIR}`);
  return found;
}

export const podTemplate = (deployment: K8sObject): PodTemplate => deployment.spec.template as PodTemplate;

/** A container's environment with Secret references resolved from the manifests' Secrets. */
export function containerEnv(container: Container, objects: readonly K8sObject[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const variable of container.env ?? []) {
    const ref = variable.valueFrom?.secretKeyRef;
    if (ref) {
      const secret = byName(objects, 'Secret', ref.name);
      const value = secret.stringData?.[ref.key] ?? (secret.data?.[ref.key] && Buffer.from(secret.data[ref.key]!, 'base64').toString());
      if (value === undefined) throw new Error(`Secret ${ref.name} has no key ${ref.key}`);
      env[variable.name] = value;
    } else {
      env[variable.name] = variable.value ?? '';
    }
  }
  return env;
}

/** A port number or a container port's name, as a number (undefined: the name is unknown). */
export const resolvePort = (container: Container, port: number | string): number | undefined =>
  typeof port === 'number' ? port : container.ports?.find((p) => p.name === port)?.containerPort;

/** The environment baked into the image (its final stage's ENV), under which every container starts. */
export const imageEnv = (): Record<string, string> => stageEnv(readDockerfile().at(-1)!);

export interface ComposeService {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
}
export interface ComposeFile {
  name: string;
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

export const readCompose = (): ComposeFile => readYamlDocuments(COMPOSE_FILE)[0] as ComposeFile;

/** Compose's interpolation of `${VAR}`, `${VAR:?message}` and `${VAR:-default}` from `vars`. */
export function interpolate(value: string, vars: Record<string, string>): string {
  return value.replace(/\$\{([A-Z_][A-Z0-9_]*)(?::([?-])([^}]*))?\}/g, (_, name: string, op?: string, arg?: string) => {
    const set = vars[name];
    if (set) return set;
    if (op === '-') return arg ?? '';
    throw new Error(`compose needs ${name}${op === '?' ? `: ${arg}` : ''}`);
  });
}
