/**
 * docker-compose.yml cannot be run here (no Docker engine), so this test holds it to the code:
 * the services are exactly the catalog's, each is given exactly the variables its config module
 * reads, and the wiring between them (ports, URLs, health, start order) is consistent.
 *
 * Each check collects every inconsistency it finds and compares the list with [], so a failure
 * reads as a list of sentences saying what to fix.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { tracingEnv } from '../packages/kernel/src/observability/tracing';
import { ROUTER_PORT, SUBGRAPHS, subgraphUrlVariable } from '../subgraphs/catalog';

const ROOT = path.resolve(__dirname, '..');
const INFRASTRUCTURE = ['mongo', 'nats'];
/** Services of the observability profile (collector, Jaeger, Prometheus, Grafana): off unless asked for. */
const isObservability = (name: string) => services[name]?.profiles?.includes('observability') ?? false;

// ---- the compose file, as much of its shape as the checks need -------------------------------

type EnvValue = string | number | boolean | null;

interface ComposeService {
  image?: string;
  profiles?: string[];
  build?:
    string | { context?: string; dockerfile?: string; target?: string; args?: Record<string, EnvValue> | string[] };
  environment?: Record<string, EnvValue> | string[];
  ports?: (string | number | { target: number; published?: string | number })[];
  expose?: (string | number)[];
  healthcheck?: { test?: string | string[]; disable?: boolean };
  depends_on?: string[] | Record<string, { condition?: string }>;
  volumes?: (string | { type?: string; source?: string; target: string })[];
  restart?: string;
}

interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

// `merge: true` resolves the `<<: *anchor` merge keys that docker compose understands.
const compose = parse(readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as ComposeFile;
const services = compose.services;

/** The Dockerfile's stage names (`FROM … AS <name>`): the targets compose may build. */
const dockerfileStages = [
  ...readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8').matchAll(/^FROM\s+\S+\s+AS\s+(\S+)/gim),
].map((match) => match[1]);

/** The services built from this repository: every catalog subgraph, and the router. */
const appServices = [...SUBGRAPHS, { name: 'router', port: ROUTER_PORT }];

// ---- helpers ----------------------------------------------------------------------------------

/** `environment` as a map, in either compose syntax. A key without a value is passed through from the host. */
function environmentOf(service: ComposeService): Map<string, string | undefined> {
  const env = new Map<string, string | undefined>();
  const raw = service.environment ?? {};
  if (Array.isArray(raw)) {
    for (const entry of raw) {
      const [key, ...value] = entry.split('=');
      env.set(key, value.length > 0 ? value.join('=') : undefined);
    }
  } else {
    for (const [key, value] of Object.entries(raw)) env.set(key, value === null ? undefined : String(value));
  }
  return env;
}

function buildArgsOf(service: ComposeService): Record<string, string> {
  if (typeof service.build !== 'object' || service.build.args === undefined) return {};
  const args = service.build.args;
  if (Array.isArray(args)) return Object.fromEntries(args.map((arg) => arg.split('=', 2) as [string, string]));
  return Object.fromEntries(Object.entries(args).map(([key, value]) => [key, String(value)]));
}

/** The container side of each `ports` entry: '4000:4000', '127.0.0.1:4000:4000/tcp', { target: 4000 }. */
function containerPortsOf(service: ComposeService): number[] {
  return (service.ports ?? []).map((entry) =>
    typeof entry === 'object' ? Number(entry.target) : Number(String(entry).split('/')[0].split(':').pop()),
  );
}

function healthcheckCommandOf(service: ComposeService): string {
  const test = service.healthcheck?.test;
  if (test === undefined || service.healthcheck?.disable) return '';
  return Array.isArray(test) ? test.filter((part) => part !== 'CMD' && part !== 'CMD-SHELL').join(' ') : test;
}

function dependenciesOf(service: ComposeService): Map<string, string | undefined> {
  const dependsOn = service.depends_on ?? [];
  if (Array.isArray(dependsOn)) return new Map(dependsOn.map((name) => [name, undefined]));
  return new Map(Object.entries(dependsOn).map(([name, spec]) => [name, spec?.condition]));
}

/** `${NAME}`, `${NAME:-default}`, `${NAME:?message}` and the forms without a colon. */
const INTERPOLATION = /^\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?([-?])(.*))?\}$/s;

/** The value the container will see when the caller sets nothing; undefined when that is not knowable. */
function defaultValueOf(value: string): string | undefined {
  const interpolation = INTERPOLATION.exec(value);
  if (interpolation) return interpolation[2] === '-' ? interpolation[3] : undefined;
  return value.includes('$') ? undefined : value;
}

// ---- the config modules -----------------------------------------------------------------------

/** What the test needs of a zod v4 `z.object`: its fields, each able to say whether a value is acceptable. */
interface ConfigSchema {
  shape: Record<string, { safeParse(value: unknown): { success: boolean } }>;
}

function configModuleOf(serviceName: string): string {
  return serviceName === 'router' ? 'router/src/config.ts' : `subgraphs/${serviceName}/src/config.ts`;
}

async function loadConfigSchema(serviceName: string): Promise<ConfigSchema> {
  const file = configModuleOf(serviceName);
  const module = (await import(path.join(ROOT, file))) as { configSchema?: Partial<ConfigSchema> };
  const shape = module.configSchema?.shape;
  if (shape === undefined || typeof shape !== 'object') {
    throw new Error(`${file} must export configSchema, a z.object whose keys are the variables it reads`);
  }
  return { shape };
}

// ---- the checks -------------------------------------------------------------------------------

describe('docker-compose.yml', () => {
  it('has one service per catalog subgraph and the router, and no other app service', () => {
    const expected = appServices.map((app) => app.name);
    const problems = [
      ...expected.filter((name) => !services[name]).map((name) => `no service "${name}", though the catalog has it`),
      ...Object.keys(services)
        .filter((name) => !INFRASTRUCTURE.includes(name) && !expected.includes(name) && !isObservability(name))
        .map((name) => `service "${name}" is not in subgraphs/catalog.ts (nor the router or infrastructure)`),
    ];
    expect(problems).toEqual([]);
  });

  it('builds every app service from its own target of the one Dockerfile, as the image Kubernetes runs, restarting unless stopped', () => {
    const problems: string[] = [];
    for (const { name } of appServices) {
      const service = services[name];
      if (!service) continue;
      const context = typeof service.build === 'string' ? service.build : service.build?.context;
      if (context !== '.') problems.push(`${name}: build context is ${String(context)}, expected "." (the repository)`);
      const target = typeof service.build === 'object' ? service.build.target : undefined;
      if (target !== name)
        problems.push(`${name}: build target is ${String(target)}, so the image would run another entry`);
      if (!dockerfileStages.includes(String(target)))
        problems.push(`${name}: the Dockerfile has no stage ${String(target)}`);
      // The repository name deploy/kubernetes uses; the tag is the caller's, never "latest" by default.
      const image = /^roombook\/([a-z-]+):(.+)$/.exec(service.image ?? '');
      if (image?.[1] !== name)
        problems.push(`${name}: image is ${String(service.image)}, expected roombook/${name}:<tag>`);
      else if (defaultValueOf(image[2]) === 'latest' || defaultValueOf(image[2]) === undefined) {
        problems.push(`${name}: image tag ${image[2]} is not a fixed tag by default`);
      }
      if (service.restart !== 'unless-stopped') problems.push(`${name}: restart is ${String(service.restart)}`);
    }
    expect(problems).toEqual([]);
  });

  it('runs each app service on its catalog port, and its port mappings and healthcheck use that port', () => {
    const problems: string[] = [];
    for (const { name, port } of appServices) {
      const service = services[name];
      if (!service) continue;
      const givenPort = environmentOf(service).get('PORT');
      if (givenPort !== String(port)) problems.push(`${name}: PORT is ${String(givenPort)}, the catalog says ${port}`);

      for (const target of containerPortsOf(service)) {
        if (target !== port) problems.push(`${name}: ports maps container port ${target}, but it listens on ${port}`);
      }
      for (const exposed of service.expose ?? []) {
        if (Number(String(exposed).split('/')[0]) !== port) problems.push(`${name}: exposes ${exposed}, not ${port}`);
      }
      if (name === 'router' && !containerPortsOf(service).includes(port)) {
        problems.push(`router: port ${port} is not published, so clients cannot reach the graph`);
      }

      const healthcheck = healthcheckCommandOf(service);
      const readyUrl = new RegExp(`://(localhost|127\\.0\\.0\\.1|\\[::1\\]):${port}/health/ready\\b`);
      if (!readyUrl.test(healthcheck)) {
        problems.push(`${name}: healthcheck "${healthcheck}" does not probe http://localhost:${port}/health/ready`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('gives each app service exactly the variables its configSchema reads, with values it accepts', async () => {
    const problems: string[] = [];
    for (const { name } of appServices) {
      const service = services[name];
      if (!service) continue;
      // Every service also reads the kernel's tracing variables (packages/kernel/src/observability/tracing.ts).
      const { shape } = await loadConfigSchema(name);
      Object.assign(shape, tracingEnv.shape);
      const env = environmentOf(service);
      const module = configModuleOf(name);

      for (const [key, value] of env) {
        const field = shape[key];
        if (!field) {
          problems.push(`${name}: ${key} is set, but ${module} does not read it`);
          continue;
        }
        const effective = value === undefined ? undefined : defaultValueOf(value);
        if (effective !== undefined && !field.safeParse(effective).success) {
          problems.push(`${name}: ${key}=${JSON.stringify(effective)} is rejected by ${module}`);
        }
      }
      for (const [key, field] of Object.entries(shape)) {
        const required = field.safeParse(undefined).success === false;
        if (required && !env.has(key)) problems.push(`${name}: ${module} requires ${key}, but it is not set`);
      }
    }
    expect(problems).toEqual([]);
  });

  it("has every subgraph listen on all of its container's interfaces (HOST), so the router container reaches it", () => {
    // Outside a container a subgraph listens on 127.0.0.1 only (subgraphEnv's HOST default).
    const problems = SUBGRAPHS.flatMap(({ name }) => {
      const host = environmentOf(services[name] ?? {}).get('HOST');
      return host === '0.0.0.0' ? [] : [`${name}: HOST is ${String(host)}, expected 0.0.0.0`];
    });
    expect(problems).toEqual([]);
  });

  it('points the router at every subgraph with SUBGRAPH_<NAME>_URL', () => {
    const routerEnv = environmentOf(services.router ?? {});
    const problems = SUBGRAPHS.flatMap(({ name, port }) => {
      const variable = subgraphUrlVariable(name);
      const expected = `http://${name}:${port}/graphql`;
      const actual = routerEnv.get(variable);
      return actual === expected ? [] : [`router: ${variable} is ${String(actual)}, expected ${expected}`];
    });
    const known = new Set(SUBGRAPHS.map(({ name }) => subgraphUrlVariable(name)));
    for (const key of routerEnv.keys()) {
      if (/^SUBGRAPH_.*_URL$/.test(key) && !known.has(key)) problems.push(`router: ${key} names no catalog subgraph`);
    }
    expect(problems).toEqual([]);
  });

  it('starts services only after what they need is healthy', () => {
    const problems: string[] = [];
    // The observability profile's services start in any order: they only watch.
    for (const [name, service] of Object.entries(services).filter(([name]) => !isObservability(name))) {
      for (const [dependency, condition] of dependenciesOf(service)) {
        if (!services[dependency]) {
          problems.push(`${name}: depends on "${dependency}", which is not a service`);
          continue;
        }
        if (condition !== 'service_healthy') {
          problems.push(`${name}: waits for ${dependency} with condition ${String(condition)}, not service_healthy`);
        }
        if (!healthcheckCommandOf(services[dependency])) {
          problems.push(`${name}: depends on ${dependency} being healthy, but ${dependency} has no healthcheck`);
        }
      }
    }
    const needs = (name: string, dependencies: string[]) => {
      if (!services[name]) return; // reported by the first check
      const actual = dependenciesOf(services[name]);
      for (const dependency of dependencies) {
        if (!actual.has(dependency)) problems.push(`${name}: does not wait for ${dependency}`);
      }
    };
    for (const { name } of SUBGRAPHS) needs(name, ['mongo', 'nats']);
    needs('router', ['nats', ...SUBGRAPHS.map(({ name }) => name)]);
    expect(problems).toEqual([]);
  });

  it('mounts into the observability profile only files the repository has', () => {
    const problems: string[] = [];
    for (const [name, service] of Object.entries(services).filter(([name]) => isObservability(name))) {
      for (const volume of service.volumes ?? []) {
        const source = typeof volume === 'string' ? volume.split(':')[0] : (volume.source ?? '');
        if (source.startsWith('./') && !existsSync(path.join(ROOT, source))) {
          problems.push(`${name}: mounts ${source}, which is not in the repository`);
        }
      }
    }
    expect(Object.keys(services).filter(isObservability).sort()).toEqual([
      'grafana',
      'jaeger',
      'otel-collector',
      'prometheus',
    ]);
    expect(problems).toEqual([]);
  });

  it('keeps MongoDB and NATS data in volumes and checks their health', () => {
    const problems: string[] = [];
    const dataDirectories: Record<string, string> = { mongo: '/data/db', nats: '/data' };
    for (const name of INFRASTRUCTURE) {
      const service = services[name];
      if (!service) {
        problems.push(`no "${name}" service`);
        continue;
      }
      const mounts = (service.volumes ?? []).map((volume) =>
        typeof volume === 'string'
          ? { source: volume.split(':')[0], target: volume.split(':')[1] }
          : { source: volume.source, target: volume.target },
      );
      const dataMount = mounts.find((mount) => mount.target === dataDirectories[name]);
      if (!dataMount) problems.push(`${name}: no volume on ${dataDirectories[name]}`);
      else if (dataMount.source && !/^[./~]/.test(dataMount.source) && !(dataMount.source in (compose.volumes ?? {}))) {
        problems.push(`${name}: named volume "${dataMount.source}" is not declared under top-level volumes`);
      }
      if (!healthcheckCommandOf(service)) problems.push(`${name}: no healthcheck`);
    }
    if (!/mongosh.*ping/.test(healthcheckCommandOf(services.mongo ?? {}))) {
      problems.push('mongo: healthcheck is not a mongosh ping');
    }
    if (!/:8222\/healthz/.test(healthcheckCommandOf(services.nats ?? {}))) {
      problems.push('nats: healthcheck does not probe :8222/healthz');
    }
    expect(problems).toEqual([]);
  });

  it('contains no secret: every *_SECRET is taken from the environment', () => {
    const problems: string[] = [];
    for (const [name, service] of Object.entries(services)) {
      for (const [key, value] of [...environmentOf(service), ...Object.entries(buildArgsOf(service))]) {
        if (!/SECRET|PASSWORD/.test(key)) continue;
        if (value === undefined) continue; // passed through from the host's environment
        if (!INTERPOLATION.test(value)) {
          problems.push(`${name}: ${key} is the literal ${JSON.stringify(value)}, use \${${key}:?...}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });
});
