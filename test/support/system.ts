import type { RunningService } from '@roombook/kernel';
import { configSchema as routerConfigSchema } from '../../router/src/config';
import { startRouter } from '../../router/src/server';
import { SUBGRAPHS, subgraphUrlVariable } from '../../subgraphs/catalog';
import { configSchema as roomConfigSchema } from '../../subgraphs/room/src/config';
import { startRoomService } from '../../subgraphs/room/src/service';
import { configSchema as reservationConfigSchema } from '../../subgraphs/reservation/src/config';
import { startReservationService } from '../../subgraphs/reservation/src/service';
import { configSchema as paymentConfigSchema } from '../../subgraphs/payment/src/config';
import { startPaymentService } from '../../subgraphs/payment/src/service';
import { configSchema as dashboardConfigSchema } from '../../subgraphs/dashboard/src/config';
import { startDashboardService, type DashboardServiceOptions } from '../../subgraphs/dashboard/src/service';
import { configSchema as reviewConfigSchema } from '../../subgraphs/review/src/config';
import { startReviewService } from '../../subgraphs/review/src/service';
import type { ManagedProcess } from '../../scripts/infra/managedProcess';
import { findFreePort } from '../../scripts/infra/ports';
import { launchService } from '../../scripts/start/service';
import { bearer, postGraphQL, type GraphQLResponse } from './graphqlClient';
import { dropDatabases, testMongoUrl, uniqueDbPrefix } from './mongo';
import { startNatsServer, type TestNatsServer } from './natsServer';

type Environment = Record<string, string>;

/** How each subgraph is started in-process from its environment; a subgraph joins the suite by adding a line. */
const SUBGRAPH_STARTERS = {
  room: (environment: Environment) => startRoomService(roomConfigSchema.parse(environment)),
  reservation: (environment: Environment) => startReservationService(reservationConfigSchema.parse(environment)),
  payment: (environment: Environment) => startPaymentService(paymentConfigSchema.parse(environment)),
  review: (environment: Environment) => startReviewService(reviewConfigSchema.parse(environment)),
  dashboard: (environment: Environment, options?: DashboardServiceOptions) =>
    startDashboardService(dashboardConfigSchema.parse(environment), options),
} satisfies Record<string, (environment: Environment) => Promise<RunningService>>;

/**
 * How long reservation waits for payment (and for the room service) before it answers PENDING (or
 * SERVICE_UNAVAILABLE). The services' 2 s suit a production pod; on a test machine whose cores are
 * all busy, a healthy payment service can take longer, and a booking a test expects CONFIRMED came
 * back PENDING. A test about those timeouts sets its own (sagaResilience, tracing).
 */
export const SLOW_MACHINE_TIMEOUTS: Environment = { PAYMENT_TIMEOUT_MS: '30000', ROOM_LOOKUP_TIMEOUT_MS: '30000' };

/** Where absent subgraphs are "reached": a closed port, so a test never talks to a running `npm start`. */
const NOWHERE = 'http://127.0.0.1:9/graphql';

export type SubgraphName = keyof typeof SUBGRAPH_STARTERS;

export interface SpawnedReplica {
  readonly url: string;
  /** SIGTERM, and a graceful stop. */
  stop(): Promise<void>;
  /** SIGKILL: gone at once, as in a crash; resolves once it has exited. */
  kill(): Promise<void>;
  /** Sends it a signal it handles and carries on after (SIGHUP: the router reads its trusted documents again). */
  signal(signal: NodeJS.Signals): void;
  /**
   * Throws, with the process's last output, if it has exited: a test waiting on what it serves
   * then fails saying so (its logs are silent, but a crash's stack trace is still printed).
   */
  assertRunning(): void;
}

export interface TestSystem {
  readonly routerUrl: string;
  readonly nats: TestNatsServer;
  readonly dbPrefix: string;
  readonly mongoUrl: string;
  subgraph(name: SubgraphName): RunningService;
  /** Stops a subgraph (to test the others without it) and starts it again on the same port. */
  stopSubgraph(name: SubgraphName): Promise<void>;
  startSubgraph(name: SubgraphName): Promise<void>;
  /**
   * Another replica of a subgraph as an OS process of its own (`node --import tsx` its main.ts,
   * as `npm start` runs it), on this system's databases and NATS. Not behind the router.
   */
  spawnReplica(name: SubgraphName): Promise<SpawnedReplica>;
  /** A second router, as an OS process of its own, in front of the same subgraphs and NATS. */
  spawnRouter(environment?: Environment): Promise<SpawnedReplica>;
  graphql<Data = Record<string, any>>(
    query: string,
    variables?: Record<string, unknown>,
    token?: string,
  ): Promise<GraphQLResponse<Data>>;
  stop(): Promise<void>;
}

/**
 * The real system in one process: its own nats-server, the shared test MongoDB server under a
 * unique database prefix, the chosen subgraphs on free ports, and the real router in front.
 */
export async function startSystem(
  names: readonly SubgraphName[] = ['room'],
  options: {
    router?: Environment;
    subgraphs?: Partial<Record<SubgraphName, Environment>>;
    /** What only the dashboard takes (a fault to inject between a projection's write and its ack). */
    dashboard?: DashboardServiceOptions;
    /**
     * Every service as an OS process of its own (`node --import tsx` its main.ts), with this added
     * to its environment: what in-process services cannot do, such as OpenTelemetry's
     * instrumentations, which hook Node's module loader (Jest has its own). `onLine` gets each
     * line a service prints.
     */
    /**
     * Services started as processes warm up before they are ready, as `npm start` runs them
     * (WARMUP; benches that time a start want it). Off by default: every test start would pay a
     * warm-up's seconds of CPU (with them on, a fresh-clone CI's npm test took 943 s on 2 cores,
     * against 489-544 s the day before).
     */
    warmUps?: boolean;
    processes?: {
      environment: Environment;
      onLine?: (service: string, line: string) => void;
      /**
       * `compiled`: each runs its build under dist/ with plain node, as `npm start` does (the
       * caller builds first: `buildIfChanged`); by default from source under tsx, as in the tests.
       */
      runs?: 'compiled' | 'source';
    };
  } = {},
): Promise<TestSystem> {
  const nats = await startNatsServer();
  const dbPrefix = uniqueDbPrefix();
  const mongoUrl = testMongoUrl();
  const running = new Map<SubgraphName, RunningService>();
  const logLevel = process.env.TEST_LOG_LEVEL ?? 'silent';
  const peerUrls = (): Environment =>
    Object.fromEntries(
      SUBGRAPHS.map(({ name }) => [subgraphUrlVariable(name), running.get(name as SubgraphName)?.url ?? NOWHERE]),
    );

  const warmUpEnvironment: Environment = options.warmUps ? {} : { WARMUP: 'off' };
  const environmentOf = (name: SubgraphName, port: number): Environment => ({
    ...SLOW_MACHINE_TIMEOUTS,
    ...peerUrls(),
    PORT: String(port),
    MONGO_URL: mongoUrl,
    MONGO_DB_PREFIX: dbPrefix,
    NATS_URL: nats.url,
    LOG_LEVEL: logLevel,
    NODE_ENV: 'test',
    ...warmUpEnvironment,
    ...options.subgraphs?.[name],
  });
  const launchProcess = async (
    name: string,
    entry: string,
    environment: Environment,
    port: number,
  ): Promise<RunningService> => {
    const child = await launchService({
      name,
      entry,
      runs: options.processes?.runs ?? 'source',
      port,
      env: { ...environment, ...options.processes!.environment, PORT: String(port) },
      print: (line) => options.processes?.onLine?.(name, line),
    });
    await child.untilReady(60_000);
    return {
      name,
      port,
      url: `http://127.0.0.1:${port}/graphql`,
      stop: async () => void (await child.child.stop()),
    };
  };
  // In the order given, so a subgraph that calls another (reservation calls payment) starts after it.
  const launch = async (name: SubgraphName, port: number) => {
    if (options.processes) {
      const chosen = port || (await findFreePort());
      running.set(
        name,
        await launchProcess(name, `subgraphs/${name}/src/main.ts`, environmentOf(name, chosen), chosen),
      );
      return;
    }
    // In one process with the test, a warm-up would only add its seconds to every test file's start;
    // the services as processes (as npm start runs them) warm up as they do there.
    const environment = { WARMUP: 'off', ...environmentOf(name, port) };
    running.set(
      name,
      name === 'dashboard'
        ? await SUBGRAPH_STARTERS.dashboard(environment, options.dashboard)
        : await SUBGRAPH_STARTERS[name](environment),
    );
  };
  for (const name of names) await launch(name, 0);

  const routerEnvironment = {
    LOG_LEVEL: logLevel,
    NODE_ENV: 'test',
    NATS_URL: nats.url,
    ...peerUrls(),
    ...warmUpEnvironment,
    ...options.router,
  };
  const router = options.processes
    ? await launchProcess('router', 'router/src/main.ts', routerEnvironment, await findFreePort())
    : // In one process with the test, the router's warm-up too would only slow every start (as above).
      await startRouter(routerConfigSchema.parse({ PORT: '0', WARMUP: 'off', ...routerEnvironment }));

  const subgraph = (name: SubgraphName) => {
    const service = running.get(name);
    if (!service) throw new Error(`subgraph ${name} is not running`);
    return service;
  };

  return {
    routerUrl: router.url,
    nats,
    dbPrefix,
    mongoUrl,
    subgraph,
    async stopSubgraph(name) {
      await subgraph(name).stop();
    },
    async startSubgraph(name) {
      await launch(name, subgraph(name).port);
    },
    async spawnReplica(name) {
      const port = await findFreePort();
      const replica = await launchService({
        name: `${name}-replica`,
        entry: `subgraphs/${name}/src/main.ts`,
        runs: 'source',
        port,
        env: environmentOf(name, port),
        print: (line) => {
          if (logLevel !== 'silent') process.stderr.write(`[${name} replica] ${line}\n`);
        },
      });
      await replica.untilReady(60_000);
      return spawned(`${name} replica`, port, replica.child);
    },
    async spawnRouter(environment = {}) {
      // A given PORT lets a test stop this router and start another where clients expect it.
      const port = environment.PORT ? Number(environment.PORT) : await findFreePort();
      const router = await launchService({
        name: 'router-replica',
        entry: 'router/src/main.ts',
        runs: 'source',
        port,
        env: {
          PORT: String(port),
          LOG_LEVEL: logLevel,
          NODE_ENV: 'test',
          NATS_URL: nats.url,
          ...peerUrls(),
          ...warmUpEnvironment,
          ...environment,
        },
        print: (line) => {
          if (logLevel !== 'silent') process.stderr.write(`[router replica] ${line}\n`);
        },
      });
      await router.untilReady(60_000);
      return spawned('router replica', port, router.child);
    },
    graphql: (query, variables = {}, token) => postGraphQL(router.url, query, variables, bearer(token)),
    async stop() {
      await router.stop();
      await Promise.allSettled([...running.values()].map((service) => service.stop()));
      await nats.close();
      await dropDatabases(dbPrefix);
    },
  };
}

function spawned(name: string, port: number, child: ManagedProcess): SpawnedReplica {
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    stop: async () => void (await child.stop()),
    async kill() {
      if (child.isRunning()) process.kill(child.pid, 'SIGKILL');
      await child.exited;
    },
    signal(signal) {
      if (child.isRunning()) process.kill(child.pid, signal);
    },
    assertRunning() {
      if (!child.isRunning()) throw new Error(`The ${name} exited. Its last output:\n${child.outputTail(30)}`);
    },
  };
}
