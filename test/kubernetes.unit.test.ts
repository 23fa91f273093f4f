/**
 * deploy/kubernetes cannot be applied here (no cluster), so it is held to the code offline: every
 * overlay is rendered with the pinned kustomize (installed with Go into .data/bin on first use),
 * every object is validated against the Kubernetes OpenAPI schemas (kubernetes-models), and the
 * rules between objects and the code are checked: probes on paths the services serve, ports that
 * agree, exactly the variables each service's config schema reads, the callers each
 * NetworkPolicy lets in, HPAs and PDBs on existing workloads, images from the Dockerfile's
 * targets, never `latest`.
 *
 * As in the compose check, each rule collects what breaks it and compares the list with [], so a
 * failure reads as a list of sentences saying what to fix.
 */
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { createMetrics, createServiceApp } from '@roombook/kernel';
import { parseAllDocuments } from 'yaml';
import { tracingEnv } from '../packages/kernel/src/observability/tracing';
import { installedKustomize, kustomizeBuild } from '../scripts/kustomize';
import { ROUTER_PORT, SUBGRAPHS, subgraphUrlVariable } from '../subgraphs/catalog';

const ROOT = path.resolve(__dirname, '..');
const KUBERNETES = path.join(ROOT, 'deploy', 'kubernetes');

/**
 * What each overlay expects to exist before it is applied, made by someone else: Secrets from the
 * operator's secret store or the MongoDB operator, and custom resources whose operator validates
 * them (their schemas are not Kubernetes's). The README's Operations section names the same.
 */
const OVERLAYS: Record<string, { externalSecrets: string[]; customResources: string[]; explorer?: boolean }> = {
  local: { externalSecrets: [], customResources: [] },
  // The router outside production (Sandbox, GraphiQL, introspection), for a local cluster only.
  'local-explorer': { externalSecrets: [], customResources: [], explorer: true },
  production: {
    externalSecrets: ['roombook-secrets', 'roombook-mongo-admin-roombook'],
    customResources: ['mongodbcommunity.mongodb.com/v1 MongoDBCommunity'],
  },
};

const APP_SERVICES = [...SUBGRAPHS, { name: 'router', port: ROUTER_PORT }];

// ---- the rendered objects, as much of their shape as the checks need ---------------------------

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string }; configMapKeyRef?: { name: string; key: string } };
}
interface Probe {
  httpGet?: { path: string; port: string | number };
  periodSeconds?: number;
  timeoutSeconds?: number;
  failureThreshold?: number;
}
interface Container {
  name: string;
  image: string;
  ports?: { name?: string; containerPort: number }[];
  env?: EnvVar[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: { readOnlyRootFilesystem?: boolean; allowPrivilegeEscalation?: boolean; runAsNonRoot?: boolean };
}
interface PodSpec {
  containers: Container[];
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
  terminationGracePeriodSeconds?: number;
}
interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  spec?: any; // narrowed per kind where a check reads it
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}
interface Workload extends K8sObject {
  spec: {
    replicas?: number;
    selector: { matchLabels: Record<string, string> };
    strategy?: { type?: string; rollingUpdate?: { maxUnavailable?: number | string; maxSurge?: number | string } };
    template: { metadata: { labels: Record<string, string> }; spec: PodSpec };
  };
}

let rendered: Record<string, K8sObject[]>;

beforeAll(async () => {
  const kustomize = await installedKustomize((line) => process.stderr.write(`${line}\n`));
  rendered = Object.fromEntries(
    Object.keys(OVERLAYS).map((overlay) => {
      const yaml = kustomizeBuild(kustomize, path.join(KUBERNETES, 'overlays', overlay));
      return [overlay, parseAllDocuments(yaml).map((document) => document.toJS() as K8sObject)];
    }),
  );
}, 600_000);

// ---- helpers ----------------------------------------------------------------------------------

const ofKind = <T extends K8sObject = K8sObject>(objects: K8sObject[], kind: string) =>
  objects.filter((object) => object.kind === kind) as T[];
const named = (objects: K8sObject[], kind: string, name: string) =>
  objects.find((object) => object.kind === kind && object.metadata.name === name);
const matches = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.entries(selector).every(([key, value]) => labels[key] === value);

/** The Deployment of an app service: the one whose pods are labelled with its name. */
function deploymentOf(objects: K8sObject[], name: string): Workload | undefined {
  return ofKind<Workload>(objects, 'Deployment').find(
    (deployment) => deployment.spec.template.metadata.labels['app.kubernetes.io/name'] === name,
  );
}

function secretValue(secret: K8sObject, key: string): string | undefined {
  if (secret.stringData?.[key] !== undefined) return secret.stringData[key];
  const encoded = secret.data?.[key];
  return encoded === undefined ? undefined : Buffer.from(encoded, 'base64').toString('utf8');
}

/** What a container's environment will hold: name → value, or undefined where only the cluster knows it. */
function environmentOf(objects: K8sObject[], container: Container, externalSecrets: string[], problems: string[]) {
  const env = new Map<string, string | undefined>();
  const where = `container ${container.name}`;
  for (const source of container.envFrom ?? []) {
    const reference = source.configMapRef ?? source.secretRef;
    const kind = source.configMapRef ? 'ConfigMap' : 'Secret';
    const object = reference && named(objects, kind, reference.name);
    if (!object) {
      problems.push(`${where}: envFrom ${kind} ${reference?.name} is not in the overlay`);
      continue;
    }
    const keys = new Set([...Object.keys(object.data ?? {}), ...Object.keys(object.stringData ?? {})]);
    for (const key of keys) env.set(key, kind === 'ConfigMap' ? object.data?.[key] : secretValue(object, key));
  }
  for (const variable of container.env ?? []) {
    const secretRef = variable.valueFrom?.secretKeyRef;
    const configMapRef = variable.valueFrom?.configMapKeyRef;
    if (secretRef) {
      const secret = named(objects, 'Secret', secretRef.name);
      if (secret) {
        const value = secretValue(secret, secretRef.key);
        if (value === undefined)
          problems.push(`${where}: ${variable.name} reads key ${secretRef.key}, which Secret ${secretRef.name} lacks`);
        env.set(variable.name, value);
      } else if (externalSecrets.includes(secretRef.name)) {
        env.set(variable.name, undefined);
      } else {
        problems.push(
          `${where}: ${variable.name} reads Secret ${secretRef.name}, which is neither in the overlay nor expected beside it`,
        );
      }
    } else if (configMapRef) {
      env.set(variable.name, named(objects, 'ConfigMap', configMapRef.name)?.data?.[configMapRef.key]);
    } else {
      env.set(variable.name, variable.value);
    }
  }
  return env;
}

/** What the test needs of a zod v4 `z.object`: its fields, each able to say whether a value is acceptable. */
type ConfigShape = Record<string, { safeParse(value: unknown): { success: boolean } }>;

async function configShapeOf(service: string): Promise<ConfigShape> {
  const file = service === 'router' ? 'router/src/config.ts' : `subgraphs/${service}/src/config.ts`;
  const module = (await import(path.join(ROOT, file))) as { configSchema: { shape: ConfigShape } };
  // Every service also reads the kernel's tracing variables.
  return { ...module.configSchema.shape, ...(tracingEnv.shape as unknown as ConfigShape) };
}

/** The subgraphs a service calls itself: those whose SUBGRAPH_<NAME>_URL its config reads. */
async function calledBy(subgraph: string): Promise<string[]> {
  const callers: string[] = [];
  for (const { name } of SUBGRAPHS) {
    if (name !== subgraph && subgraphUrlVariable(subgraph) in (await configShapeOf(name))) callers.push(name);
  }
  return callers;
}

function portOf(container: Container, port: string | number | undefined): number | undefined {
  if (typeof port === 'number') return port;
  return container.ports?.find((candidate) => candidate.name === port)?.containerPort;
}

// ---- the checks -------------------------------------------------------------------------------

describe.each(Object.keys(OVERLAYS))('overlay %s', (overlay) => {
  const { externalSecrets, customResources, explorer = false } = OVERLAYS[overlay];
  const objects = () => rendered[overlay];

  it('is valid against the Kubernetes OpenAPI schemas, object by object', async () => {
    const problems: string[] = [];
    for (const object of objects()) {
      const what = `${object.kind} ${object.metadata.name}`;
      if (customResources.includes(`${object.apiVersion} ${object.kind}`)) continue;
      let models: Record<string, new (data: unknown) => { validate(): void }>;
      try {
        models = (await import(`kubernetes-models/${object.apiVersion}`)) as typeof models;
      } catch {
        problems.push(`${what}: apiVersion ${object.apiVersion} is not a Kubernetes API`);
        continue;
      }
      const Model = models[object.kind];
      if (!Model) {
        problems.push(`${what}: ${object.apiVersion} has no kind ${object.kind}`);
        continue;
      }
      try {
        new Model(object).validate();
      } catch (error) {
        problems.push(`${what}: ${(error as Error).message}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('runs every app service as a Deployment of its own Dockerfile target, at a fixed tag', () => {
    const stages = [...readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8').matchAll(/^FROM\s+\S+\s+AS\s+(\S+)/gim)].map(
      (match) => match[1],
    );
    const problems: string[] = [];
    for (const { name } of APP_SERVICES) {
      const deployment = deploymentOf(objects(), name);
      if (!deployment) {
        problems.push(`${name}: no Deployment`);
        continue;
      }
      const image = deployment.spec.template.spec.containers[0]?.image ?? '';
      const parsed = /^(?:.+\/)?roombook\/([a-z-]+):([\w.-]+)$/.exec(image);
      if (parsed?.[1] !== name) problems.push(`${name}: image ${image} is not roombook/${name}:<tag>`);
      if (!stages.includes(name)) problems.push(`${name}: the Dockerfile has no target ${name}`);
    }
    for (const workload of [
      ...ofKind<Workload>(objects(), 'Deployment'),
      ...ofKind<Workload>(objects(), 'StatefulSet'),
    ]) {
      for (const container of workload.spec.template.spec.containers) {
        if (!/:[\w.-]+$/.test(container.image) || container.image.endsWith(':latest')) {
          problems.push(`${workload.metadata.name}: image ${container.image} has no fixed tag`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('probes every app service on the health paths the kernel serves, on the port its Service and PORT use', async () => {
    const served = new Map<string, number>();
    const server = createServiceApp(createMetrics('probe-check'), () => true).listen(0);
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      for (const probePath of ['/health/live', '/health/ready']) {
        served.set(probePath, (await fetch(`http://127.0.0.1:${port}${probePath}`)).status);
      }
    } finally {
      server.close();
    }
    expect(Object.fromEntries(served)).toEqual({ '/health/live': 200, '/health/ready': 200 });

    const problems: string[] = [];
    for (const { name, port } of APP_SERVICES) {
      const deployment = deploymentOf(objects(), name);
      const container = deployment?.spec.template.spec.containers[0];
      if (!deployment || !container) continue; // reported above
      const probes = { readinessProbe: '/health/ready', livenessProbe: '/health/live' } as const;
      for (const [probe, expected] of Object.entries(probes) as [keyof typeof probes, string][]) {
        const httpGet = container[probe]?.httpGet;
        if (httpGet?.path !== expected) problems.push(`${name}: ${probe} is ${httpGet?.path}, not ${expected}`);
        if (portOf(container, httpGet?.port) !== port) problems.push(`${name}: ${probe} is not on port ${port}`);
      }
      const env = environmentOf(objects(), container, externalSecrets, problems);
      if (env.get('PORT') !== String(port))
        problems.push(`${name}: PORT is ${env.get('PORT')}, the catalog says ${port}`);
      if (!container.ports?.some((candidate) => candidate.containerPort === port)) {
        problems.push(`${name}: the container does not declare port ${port}`);
      }
      const services = ofKind(objects(), 'Service').filter((service) =>
        matches(service.spec.selector ?? {}, deployment.spec.template.metadata.labels),
      );
      if (services.length !== 1 || services[0].metadata.name !== name) {
        problems.push(
          `${name}: selected by Services [${services.map((service) => service.metadata.name).join(', ')}], expected exactly "${name}"`,
        );
      }
      for (const service of services) {
        for (const servicePort of service.spec.ports as { port: number; targetPort?: string | number }[]) {
          if (servicePort.port !== port || portOf(container, servicePort.targetPort ?? servicePort.port) !== port) {
            problems.push(
              `${name}: Service port ${servicePort.port} → ${servicePort.targetPort} does not reach ${port}`,
            );
          }
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('gives each app service exactly variables its config schema reads, with values it accepts, and every one it requires', async () => {
    const problems: string[] = [];
    for (const { name } of APP_SERVICES) {
      const container = deploymentOf(objects(), name)?.spec.template.spec.containers[0];
      if (!container) continue;
      const shape = await configShapeOf(name);
      const env = environmentOf(objects(), container, externalSecrets, problems);
      for (const [key, value] of env) {
        if (!shape[key]) problems.push(`${name}: ${key} is set, but its config does not read it`);
        else if (value !== undefined && !shape[key].safeParse(value).success) {
          problems.push(`${name}: ${key}=${JSON.stringify(value)} is refused by its config`);
        }
      }
      for (const [key, field] of Object.entries(shape)) {
        if (!field.safeParse(undefined).success && !env.has(key))
          problems.push(`${name}: ${key} is required but not set`);
      }
      // A subgraph listens on loopback unless told otherwise: the kubelet's probes and the
      // Service's traffic arrive on the pod's own address.
      if (name !== 'router' && env.get('HOST') !== '0.0.0.0')
        problems.push(`${name}: HOST is ${env.get('HOST') ?? 'unset (127.0.0.1)'}, unreachable from outside the pod`);
      // In production the local default secrets are refused: they must come from a Secret.
      const nodeEnv = explorer && name === 'router' ? 'development' : 'production';
      if (env.get('NODE_ENV') !== nodeEnv) problems.push(`${name}: NODE_ENV is ${env.get('NODE_ENV')}`);
      for (const secret of name === 'router' ? ['JWT_SECRET', 'SUBGRAPH_SECRET'] : ['SUBGRAPH_SECRET']) {
        if (!container.env?.some((variable) => variable.name === secret && variable.valueFrom?.secretKeyRef)) {
          problems.push(`${name}: ${secret} does not come from a Secret`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('references only Secrets it makes or names as expected beside it', () => {
    const problems: string[] = [];
    const referenced = new Set<string>();
    for (const workload of [
      ...ofKind<Workload>(objects(), 'Deployment'),
      ...ofKind<Workload>(objects(), 'StatefulSet'),
    ]) {
      for (const container of workload.spec.template.spec.containers) {
        for (const variable of container.env ?? []) {
          if (variable.valueFrom?.secretKeyRef) referenced.add(variable.valueFrom.secretKeyRef.name);
        }
        for (const source of container.envFrom ?? []) if (source.secretRef) referenced.add(source.secretRef.name);
      }
    }
    const missing = [...referenced].filter((name) => !named(objects(), 'Secret', name)).sort();
    expect(missing).toEqual([...externalSecrets].sort());
    expect(problems).toEqual([]);
  });

  it('rolls out without losing capacity, within a grace period that covers the drain, as non-root read-only pods with bounded resources', () => {
    const problems: string[] = [];
    for (const deployment of ofKind<Workload>(objects(), 'Deployment')) {
      const name = deployment.metadata.name;
      const pod = deployment.spec.template.spec;
      const rolling = deployment.spec.strategy;
      if (rolling?.type !== 'RollingUpdate' || rolling.rollingUpdate?.maxUnavailable !== 0) {
        problems.push(
          `${name}: rolling update may take pods away before new ones are ready (maxUnavailable must be 0)`,
        );
      }
      if (!rolling?.rollingUpdate?.maxSurge) problems.push(`${name}: maxSurge 0 with maxUnavailable 0 cannot roll`);
      // On SIGTERM a service keeps serving, not ready, for DRAIN_DELAY_MS (5 s by default in
      // production): long enough for the readiness probe to fail and the endpoints to forget it.
      // Then it gives itself 10 s more to finish, and the pod's grace period must cover both.
      const container = pod.containers[0];
      const drainMs = Number(environmentOf(objects(), container, externalSecrets, []).get('DRAIN_DELAY_MS') ?? 5000);
      const probe = container.readinessProbe;
      const unreadyAfterMs =
        1000 * ((probe?.periodSeconds ?? 10) * (probe?.failureThreshold ?? 3) + (probe?.timeoutSeconds ?? 1));
      if (drainMs <= unreadyAfterMs) {
        problems.push(`${name}: DRAIN_DELAY_MS ${drainMs} ends before readiness can fail (${unreadyAfterMs} ms)`);
      }
      if (1000 * (pod.terminationGracePeriodSeconds ?? 30) <= drainMs + 10_000) {
        problems.push(
          `${name}: terminationGracePeriodSeconds ${pod.terminationGracePeriodSeconds} does not cover the drain (${drainMs} ms + 10 s)`,
        );
      }
      if (pod.securityContext?.runAsNonRoot !== true || !pod.securityContext.runAsUser) {
        problems.push(`${name}: pods may run as root (runAsNonRoot and a numeric runAsUser)`);
      }
      for (const container of pod.containers) {
        if (container.securityContext?.readOnlyRootFilesystem !== true)
          problems.push(`${name}: root filesystem is writable`);
        if (container.securityContext?.allowPrivilegeEscalation !== false)
          problems.push(`${name}: privilege escalation allowed`);
        for (const bound of ['requests', 'limits'] as const) {
          for (const resource of ['cpu', 'memory']) {
            if (!container.resources?.[bound]?.[resource]) problems.push(`${name}: no ${resource} ${bound}`);
          }
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('scales and protects existing workloads only: every HPA and PDB targets one', () => {
    const problems: string[] = [];
    const workloads = [...ofKind<Workload>(objects(), 'Deployment'), ...ofKind<Workload>(objects(), 'StatefulSet')];
    for (const hpa of ofKind(objects(), 'HorizontalPodAutoscaler')) {
      const target = hpa.spec.scaleTargetRef as { kind: string; name: string };
      if (!named(objects(), target.kind, target.name)) {
        problems.push(`HPA ${hpa.metadata.name}: scales ${target.kind} ${target.name}, which does not exist`);
      }
      if (hpa.spec.minReplicas > hpa.spec.maxReplicas) problems.push(`HPA ${hpa.metadata.name}: min above max`);
    }
    for (const pdb of ofKind(objects(), 'PodDisruptionBudget')) {
      const selector = pdb.spec.selector.matchLabels as Record<string, string>;
      const protectedWorkloads = workloads.filter((workload) =>
        matches(selector, workload.spec.template.metadata.labels),
      );
      if (protectedWorkloads.length !== 1) {
        problems.push(`PDB ${pdb.metadata.name}: selects the pods of ${protectedWorkloads.length} workloads, not 1`);
      }
    }
    for (const { name } of APP_SERVICES) {
      const deployment = deploymentOf(objects(), name);
      if (!deployment) continue;
      const hpas = ofKind(objects(), 'HorizontalPodAutoscaler').filter(
        (hpa) =>
          hpa.spec.scaleTargetRef.kind === 'Deployment' && hpa.spec.scaleTargetRef.name === deployment.metadata.name,
      );
      if (hpas.length !== 1) problems.push(`${name}: ${hpas.length} HPAs, expected 1`);
      const pdbs = ofKind(objects(), 'PodDisruptionBudget').filter((pdb) =>
        matches(pdb.spec.selector.matchLabels, deployment.spec.template.metadata.labels),
      );
      if (pdbs.length !== 1) problems.push(`${name}: ${pdbs.length} PDBs, expected 1`);
    }
    expect(problems).toEqual([]);
  });

  it('lets only the router, and the subgraphs that call it, reach each subgraph', async () => {
    const problems: string[] = [];
    for (const { name, port } of SUBGRAPHS) {
      const deployment = deploymentOf(objects(), name);
      if (!deployment) continue;
      const podLabels = deployment.spec.template.metadata.labels;
      const policies = ofKind(objects(), 'NetworkPolicy').filter((policy) =>
        matches(policy.spec.podSelector.matchLabels ?? {}, podLabels),
      );
      if (policies.length === 0) {
        problems.push(`${name}: no NetworkPolicy selects its pods, so anything in the cluster reaches it`);
        continue;
      }
      const allowed = new Set<string>();
      for (const policy of policies) {
        for (const rule of (policy.spec.ingress ?? []) as { from?: any[]; ports?: { port: number }[] }[]) {
          if (!rule.from) problems.push(`${name}: NetworkPolicy ${policy.metadata.name} lets in every source`);
          for (const source of rule.from ?? []) {
            const caller = source.podSelector?.matchLabels?.['app.kubernetes.io/name'] as string | undefined;
            if (!caller || source.namespaceSelector || source.ipBlock) {
              problems.push(`${name}: NetworkPolicy ${policy.metadata.name} lets in ${JSON.stringify(source)}`);
            } else allowed.add(caller);
          }
          if (rule.ports?.some((rulePort) => rulePort.port !== port))
            problems.push(`${name}: a rule opens another port than ${port}`);
        }
      }
      const expected = ['router', ...(await calledBy(name))].sort();
      const actual = [...allowed].sort();
      if (actual.join() !== expected.join())
        problems.push(`${name}: lets in [${actual.join(', ')}], expected [${expected.join(', ')}]`);
    }
    expect(problems).toEqual([]);
  });

  it('runs MongoDB as a replica set (several replicas per service rely on its atomic version checks) and NATS as a three-node JetStream cluster', () => {
    const problems: string[] = [];
    const statefulSets = ofKind<Workload>(objects(), 'StatefulSet');
    const nats = statefulSets.find((set) => set.metadata.name === 'nats');
    if (nats?.spec.replicas !== 3) problems.push(`NATS: ${nats?.spec.replicas} members, expected 3`);
    const natsConfig = ofKind(objects(), 'ConfigMap').find((map) => map.data?.['nats.conf'])?.data?.['nats.conf'] ?? '';
    if (!/jetstream\s*{/.test(natsConfig) || !/cluster\s*{/.test(natsConfig))
      problems.push('NATS: no jetstream and cluster blocks');
    if (!nats?.spec || !('volumeClaimTemplates' in nats.spec)) problems.push('NATS: no persistent volumes');
    // Every service provisions the streams: each must ask for a copy on every member, or the one
    // asking for fewer would shrink them.
    for (const { name } of APP_SERVICES) {
      const container = deploymentOf(objects(), name)?.spec.template.spec.containers[0];
      if (!container) continue;
      const replicas = environmentOf(objects(), container, externalSecrets, problems).get('NATS_STREAM_REPLICAS');
      if (Number(replicas ?? 1) !== nats?.spec.replicas)
        problems.push(`${name}: NATS_STREAM_REPLICAS ${replicas ?? '1 (default)'} on ${nats?.spec.replicas} members`);
    }

    const mongoSet = statefulSets.find((set) => set.metadata.name === 'mongo');
    const operated = objects().find((object) => object.kind === 'MongoDBCommunity');
    if (mongoSet) {
      if (!mongoSet.spec.template.spec.containers[0].image.startsWith('mongo:')) problems.push('mongo: not MongoDB');
      if (!JSON.stringify(mongoSet.spec.template.spec.containers[0]).includes('--replSet'))
        problems.push('mongo: not a replica set');
    } else if (operated) {
      if (operated.spec.type !== 'ReplicaSet' || operated.spec.members < 3)
        problems.push('MongoDBCommunity: not a 3-member replica set');
    } else {
      problems.push('no MongoDB: neither a StatefulSet "mongo" nor a MongoDBCommunity');
    }
    for (const { name } of SUBGRAPHS) {
      const container = deploymentOf(objects(), name)?.spec.template.spec.containers[0];
      if (!container) continue;
      const mongoUrl = environmentOf(objects(), container, externalSecrets, problems).get('MONGO_URL');
      const fromOperator = container.env?.some(
        (variable) => variable.name === 'MONGO_URL' && variable.valueFrom?.secretKeyRef,
      );
      if (!fromOperator && !mongoUrl?.includes('replicaSet='))
        problems.push(`${name}: MONGO_URL ${mongoUrl} names no replica set`);
    }
    expect(problems).toEqual([]);
  });
});
