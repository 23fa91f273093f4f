import { subgraphEnv, type RunningService, type SubgraphConfig } from '@roombook/kernel';
import { configSchema as routerConfigSchema } from '../../router/src/config';
import { startRouter } from '../../router/src/server';
import { subgraphUrlVariable } from '../../subgraphs/catalog';
import { startRoomService } from '../../subgraphs/room/src/service';
import { bearer, postGraphQL, type GraphQLResponse } from './graphqlClient';
import { dropDatabases, testMongoUrl, uniqueDbPrefix } from './mongo';
import { startNatsServer, type TestNatsServer } from './natsServer';

/** How each subgraph is started in-process; a subgraph joins the e2e suite by adding a line. */
const SUBGRAPH_STARTERS = {
  room: startRoomService,
} satisfies Record<string, (config: SubgraphConfig) => Promise<RunningService>>;

export type SubgraphName = keyof typeof SUBGRAPH_STARTERS;

export interface TestSystem {
  readonly routerUrl: string;
  readonly nats: TestNatsServer;
  readonly dbPrefix: string;
  readonly mongoUrl: string;
  subgraph(name: SubgraphName): RunningService;
  /** Stops a subgraph (to test the others without it) and starts it again on the same port. */
  stopSubgraph(name: SubgraphName): Promise<void>;
  startSubgraph(name: SubgraphName): Promise<void>;
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
  routerEnvironment: Record<string, string> = {},
): Promise<TestSystem> {
  const nats = await startNatsServer();
  const dbPrefix = uniqueDbPrefix();
  const mongoUrl = testMongoUrl();
  const configs = new Map<SubgraphName, SubgraphConfig>();
  const running = new Map<SubgraphName, RunningService>();

  const launch = async (name: SubgraphName, port: number) => {
    const config = subgraphEnv.parse({
      PORT: String(port),
      MONGO_URL: mongoUrl,
      MONGO_DB_PREFIX: dbPrefix,
      NATS_URL: nats.url,
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      NODE_ENV: 'test',
    });
    configs.set(name, config);
    running.set(name, await SUBGRAPH_STARTERS[name](config));
  };
  for (const name of names) await launch(name, 0);

  const router = await startRouter(
    routerConfigSchema.parse({
      PORT: '0',
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      NODE_ENV: 'test',
      NATS_URL: nats.url,
      ...Object.fromEntries([...running].map(([name, service]) => [subgraphUrlVariable(name), service.url])),
      ...routerEnvironment,
    }),
  );

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
    graphql: (query, variables = {}, token) => postGraphQL(router.url, query, variables, bearer(token)),
    async stop() {
      await router.stop();
      await Promise.allSettled([...running.values()].map((service) => service.stop()));
      await nats.close();
      await dropDatabases(dbPrefix);
    },
  };
}
