/**
 * `npm start`: the whole supergraph on this machine. MongoDB and NATS (the configured ones, or
 * local servers with data under .data/), then every subgraph of the catalog, then the router.
 * Ctrl-C or SIGTERM stops them in reverse order; a service that dies stops everything.
 */
import path from 'node:path';
import { ROUTER_PORT, SUBGRAPHS, subgraphUrlVariable } from '../subgraphs/catalog';
import { ensureInfrastructure, type Infrastructure } from './infra';
import { REPO_ROOT } from './infra/locations';
import { describeExit, launchService, type RunningService, type ServiceSpec } from './start/service';

/** Generous: the first start of a service also compiles its TypeScript. */
const READY_TIMEOUT_MS = 60_000;
const SERVICE_STOP_GRACE_MS = 8_000;
const STOP_DEADLINE_MS = 30_000;

const say = (line: string) => process.stdout.write(`${line}\n`);
const nameWidth = Math.max('router'.length, ...SUBGRAPHS.map(({ name }) => name.length));
const printFor = (name: string) => (line: string) => say(`${`[${name}]`.padEnd(nameWidth + 2)} ${line}`);

/** What has been started so far, so that stopping at any moment stops exactly that. */
const started = {
  infrastructure: undefined as Infrastructure | undefined,
  subgraphs: [] as RunningService[],
  router: undefined as RunningService | undefined,
};
let stopping = false;

async function main(): Promise<void> {
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => void stopAll(0));
  const routerPort = portFromEnvironment('PORT', ROUTER_PORT);
  // Both let a second copy run beside the usual one (the start test does): its own data, its own ports.
  const dataDir = process.env.ROOMBOOK_DATA_DIR || path.join(REPO_ROOT, '.data');
  const portOffset = Number(process.env.SUBGRAPH_PORT_OFFSET || 0);
  if (!Number.isInteger(portOffset)) throw new Error(`SUBGRAPH_PORT_OFFSET must be a whole number`);
  const subgraphPort = (port: number) => port + portOffset;

  started.infrastructure = await ensureInfrastructure({
    dataDir,
    log: say,
    detached: true,
  });
  const { mongoUrl, natsUrl } = started.infrastructure;
  const subgraphUrls = Object.fromEntries(
    SUBGRAPHS.map(({ name, port }) => [subgraphUrlVariable(name), `http://127.0.0.1:${subgraphPort(port)}/graphql`]),
  );

  for (const { name, port } of SUBGRAPHS) {
    if (stopping) return;
    started.subgraphs.push(
      await launch({
        name,
        port: subgraphPort(port),
        entry: `subgraphs/${name}/src/main.ts`,
        // Subgraphs that call others (reservation) find them at their ports of this run.
        env: { MONGO_URL: mongoUrl, NATS_URL: natsUrl, ...subgraphUrls },
      }),
    );
  }
  await Promise.all(started.subgraphs.map(announceWhenReady));

  if (stopping) return;
  started.router = await launch({ name: 'router', port: routerPort, entry: 'router/src/main.ts', env: subgraphUrls });
  await announceWhenReady(started.router);

  say('');
  say(`The supergraph is ready at http://localhost:${routerPort}/graphql`);
  say(
    'Open that URL in a browser for Apollo Sandbox; subscriptions use ws:// on the same URL. Ctrl-C stops everything.',
  );
}

async function launch(spec: Omit<ServiceSpec, 'print'>): Promise<RunningService> {
  const service = await launchService({
    ...spec,
    env: { ...spec.env, PORT: String(spec.port) },
    print: printFor(spec.name),
  });
  void service.child.exited.then((exit) => {
    if (stopping) return;
    say(
      `${service.name} stopped unexpectedly (${describeExit(exit)}). Its last output:\n${service.child.outputTail(20)}`,
    );
    void stopAll(1);
  });
  return service;
}

async function announceWhenReady(service: RunningService): Promise<void> {
  await service.untilReady(READY_TIMEOUT_MS);
  say(`${service.name} is ready on port ${service.port}`);
}

function portFromEnvironment(variable: string, fallback: number): number {
  const value = process.env[variable];
  if (value === undefined || value === '') return fallback;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`${variable} must be a port number, not "${value}"`);
  }
  return port;
}

/** Router first (no new requests), then the subgraphs, then the servers they used. Runs once. */
async function stopAll(exitCode: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  say(`Stopping (at most ${STOP_DEADLINE_MS / 1000} s)...`);
  // Exiting kills whatever is still running (see managedProcess), so the deadline always holds.
  setTimeout(() => {
    say('Some processes did not stop in time; killing them.');
    process.exit(1);
  }, STOP_DEADLINE_MS).unref();

  await started.router?.child.stop(SERVICE_STOP_GRACE_MS);
  await Promise.all(started.subgraphs.map((service) => service.child.stop(SERVICE_STOP_GRACE_MS)));
  await started.infrastructure?.stop();
  say('Stopped.');
  process.exit(exitCode);
}

main().catch((error: unknown) => {
  if (stopping) return;
  say(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
  void stopAll(1);
});
