/**
 * `npm start`: the whole supergraph on this machine. MongoDB and NATS (the configured ones, or
 * local servers with data under .data/), then every subgraph of the catalog, then the router.
 * Ctrl-C or SIGTERM stops them in reverse order; a service that dies stops everything.
 * With `--compiled` (what `npm start` passes after `npm run build`) the services run from dist/
 * as plain JavaScript; without it (`npm run dev`) from their TypeScript sources through tsx.
 */
import { EXIT_CODE_BAD_CONFIG } from '@roombook/kernel';
import { SUBGRAPHS } from '../subgraphs/catalog';
import {
  MissingServerError,
  ServerInstallError,
  ServerStartError,
  startInfrastructure,
  type Infrastructure,
} from './infra';
import { loadStartConfig, subgraphUrls } from './start/config';
import { logLineFormatter } from './start/logFormat';
import { describeExit, launchService, ServiceStartError, type RunningService, type ServiceSpec } from './start/service';

/** Generous: a service run from source compiles its TypeScript as it starts. */
const READY_TIMEOUT_MS = 60_000;
const SERVICE_STOP_GRACE_MS = 8_000;
const STOP_DEADLINE_MS = 30_000;

const say = (line: string) => process.stdout.write(`${line}\n`);
const nameWidth = Math.max('router'.length, ...SUBGRAPHS.map(({ name }) => name.length));
/** Readable in a terminal, JSON elsewhere (see logFormat.ts); set once the configuration is read. */
let formatLogLine = (line: string) => line;
const printFor = (name: string) => (line: string) => say(`${`[${name}]`.padEnd(nameWidth + 2)} ${formatLogLine(line)}`);

/** What has been started so far, so that stopping at any moment stops exactly that. */
const started = {
  infrastructure: undefined as Infrastructure | undefined,
  subgraphs: [] as RunningService[],
  router: undefined as RunningService | undefined,
};
let stopping = false;

async function main(): Promise<void> {
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => void stopAll(0));
  const config = await loadStartConfig();
  formatLogLine = logLineFormatter({
    terminal: process.stdout.isTTY === true,
    production: config.NODE_ENV === 'production',
  });
  const subgraphPort = (port: number) => port + config.SUBGRAPH_PORT_OFFSET;

  started.infrastructure = startInfrastructure({
    dataDir: config.ROOMBOOK_DATA_DIR,
    log: say,
    detached: true,
    mongoUrl: config.MONGO_URL,
    natsUrl: config.NATS_URL,
    config,
  });
  const { mongoUrl, natsUrl } = await started.infrastructure.ready;

  for (const { name, port } of SUBGRAPHS) {
    if (stopping) return;
    started.subgraphs.push(
      await launch({
        name,
        port: subgraphPort(port),
        entry: `subgraphs/${name}/src/main.ts`,
        // Subgraphs that call others (reservation) find them at their ports of this run.
        env: { MONGO_URL: mongoUrl, NATS_URL: natsUrl, ...subgraphUrls(config) },
      }),
    );
  }
  await Promise.all(started.subgraphs.map(announceWhenReady));

  if (stopping) return;
  started.router = await launch({
    name: 'router',
    port: config.PORT,
    entry: 'router/src/main.ts',
    // NATS carries the events of live subscriptions.
    env: { NATS_URL: natsUrl, ...subgraphUrls(config) },
  });
  await announceWhenReady(started.router);

  say('');
  say(`The supergraph is ready at http://localhost:${config.PORT}/graphql`);
  say(`The app for guests and hosts: http://localhost:${config.PORT}/`);
  say(
    `Explore it in a browser: Apollo Sandbox at http://localhost:${config.PORT}/graphql, or GraphiQL, which needs ` +
      `no internet, at http://localhost:${config.PORT}/graphiql. Subscriptions use ws:// on the same URL. Ctrl-C stops everything.`,
  );
}

const RUNS: ServiceSpec['runs'] = process.argv.includes('--compiled') ? 'compiled' : 'source';

async function launch(spec: Omit<ServiceSpec, 'print' | 'runs'>): Promise<RunningService> {
  const service = await launchService({
    ...spec,
    runs: RUNS,
    env: { ...spec.env, PORT: String(spec.port) },
    print: printFor(spec.name),
  });
  void service.child.exited.then((exit) => {
    if (stopping) return;
    // Its own lines above already name each bad variable.
    if (exit.code === EXIT_CODE_BAD_CONFIG) say(`${service.name} refused its configuration (see above).`);
    else {
      say(
        `${service.name} stopped unexpectedly (${describeExit(exit)}). Its last output:\n${service.child.outputTail(20)}`,
      );
    }
    void stopAll(exit.code === EXIT_CODE_BAD_CONFIG ? EXIT_CODE_BAD_CONFIG : 1);
  });
  return service;
}

async function announceWhenReady(service: RunningService): Promise<void> {
  await service.untilReady(READY_TIMEOUT_MS);
  say(`${service.name} is ready on port ${service.port}`);
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
  // These say what to do in their message; anything else is a bug, and its name and stack help.
  const explained = [MissingServerError, ServerStartError, ServerInstallError, ServiceStartError];
  if (explained.some((kind) => error instanceof kind)) say((error as Error).message);
  else say(error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : String(error));
  void stopAll(1);
});
