import path from 'node:path';
import { ConfigError, exitWithConfigError, parseConfig } from '@roombook/kernel';
import { z } from 'zod';
import { configSchema as routerConfigSchema } from '../../router/src/config';
import { ROUTER_PORT, SUBGRAPHS, subgraphUrlVariable } from '../../subgraphs/catalog';
import { infrastructureEnv } from '../infra/config';
import { REPO_ROOT } from '../infra/locations';

/** `MONGO_URL= npm start` means "not set": a variable left empty in a shell or .env file is not a value. */
const unsetWhenEmpty = <Schema extends z.ZodType>(schema: Schema) =>
  z.preprocess((value) => (value === '' ? undefined : value), schema);

/** What `npm start` itself reads, beside what its servers and services read. */
export const startEnv = infrastructureEnv.extend({
  /** The router's port. */
  PORT: unsetWhenEmpty(z.coerce.number().int().min(1).max(65535).default(ROUTER_PORT)),
  /** Added to every subgraph port: lets a second copy run beside the usual one (the start tests do). */
  SUBGRAPH_PORT_OFFSET: unsetWhenEmpty(z.coerce.number().int().min(-4000).max(60_000).default(0)),
  /** Data of the servers started here; kept between runs. */
  ROOMBOOK_DATA_DIR: unsetWhenEmpty(
    z
      .string()
      .transform((dir) => path.resolve(dir))
      .default(path.join(REPO_ROOT, '.data')),
  ),
  MONGO_URL: unsetWhenEmpty(
    z
      .string()
      .regex(/^mongodb(\+srv)?:\/\//, 'must be a mongodb:// URL')
      .optional(),
  ),
  NATS_URL: unsetWhenEmpty(
    z
      .string()
      .regex(/^(nats|tls):\/\//, 'must be a nats:// URL')
      .optional(),
  ),
  /** production: the services' log lines are shown as they are written (JSON), also in a terminal. */
  NODE_ENV: z.string().optional(),
});

export type StartConfig = z.infer<typeof startEnv>;

/** Stand-ins for the addresses npm start gives the subgraphs once its servers run, to check everything else now. */
const SERVER_PLACEHOLDERS = { MONGO_URL: 'mongodb://127.0.0.1:1/', NATS_URL: 'nats://127.0.0.1:1' };

/**
 * npm start's configuration, and every service's as npm start will launch it: checked before
 * anything starts, so that a JWT_SECRET that is too short is named at once, not after a download,
 * two servers and three subgraphs. Exits like a service's loadConfig when anything is wrong.
 */
export async function loadStartConfig(env: NodeJS.ProcessEnv = process.env): Promise<StartConfig> {
  let config: StartConfig | undefined;
  const problems: string[] = [];
  try {
    config = parseConfig(startEnv, env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems.push(...error.problems);
  }
  // Even when npm start's own variables are wrong, so that one run names every bad variable.
  const ports = config ?? { PORT: ROUTER_PORT, SUBGRAPH_PORT_OFFSET: 0 };
  problems.push(...(await serviceProblems(env, ports)));
  if (config === undefined || problems.length > 0) exitWithConfigError(new ConfigError(problems));
  return config;
}

type PortLayout = Pick<StartConfig, 'PORT' | 'SUBGRAPH_PORT_OFFSET'>;

/** The URL npm start gives a subgraph's variable, SUBGRAPH_<NAME>_URL, for every subgraph. */
export function subgraphUrls(config: PortLayout): Record<string, string> {
  return Object.fromEntries(
    SUBGRAPHS.map(({ name, port }) => [
      subgraphUrlVariable(name),
      `http://127.0.0.1:${port + config.SUBGRAPH_PORT_OFFSET}/graphql`,
    ]),
  );
}

/** Each distinct problem once, naming the services that would refuse it: "SUBGRAPH_SECRET: ... (router, room)". */
async function serviceProblems(env: NodeJS.ProcessEnv, config: PortLayout): Promise<string[]> {
  const services: { name: string; schema: z.ZodType; env: NodeJS.ProcessEnv }[] = [
    { name: 'router', schema: routerConfigSchema, env: { ...env, ...subgraphUrls(config), PORT: String(config.PORT) } },
  ];
  for (const { name, port } of SUBGRAPHS) {
    const module = (await import(path.join(REPO_ROOT, 'subgraphs', name, 'src', 'config'))) as {
      configSchema: z.ZodType;
    };
    const subgraphEnv = { ...env, ...SERVER_PLACEHOLDERS, ...subgraphUrls(config) };
    services.push({
      name,
      schema: module.configSchema,
      env: { ...subgraphEnv, PORT: String(port + config.SUBGRAPH_PORT_OFFSET) },
    });
  }

  const refusedBy = new Map<string, string[]>();
  for (const service of services) {
    try {
      parseConfig(service.schema, service.env);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      for (const problem of error.problems) refusedBy.set(problem, [...(refusedBy.get(problem) ?? []), service.name]);
    }
  }
  return [...refusedBy].map(([problem, names]) => `${problem} (${names.join(', ')})`);
}
