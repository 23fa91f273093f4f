import { z } from 'zod';

/** A configuration error names every variable that is missing or wrong, so start-up fails once, clearly. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info');
const nodeEnv = z.enum(['development', 'test', 'production']).default('development');

/** Local-only default, documented in the README; production refuses it (see assertProductionSecrets). */
export const DEV_SUBGRAPH_SECRET = 'dev-only-subgraph-secret-change-me';

/** Variables every subgraph reads. Each subgraph extends this with its own. */
export const subgraphEnv = z.object({
  PORT: z.coerce.number().int().min(0).max(65535),
  MONGO_URL: z.string().regex(/^mongodb(\+srv)?:\/\//, 'must be a mongodb:// URL'),
  /** Database names are `<prefix>_<service>`; tests set a unique prefix so they never touch npm start's data. */
  MONGO_DB_PREFIX: z
    .string()
    .regex(/^[a-z][a-z0-9_]{0,40}$/, 'lower-case letters, digits and _')
    .default('roombook'),
  NATS_URL: z.string().min(1),
  SUBGRAPH_SECRET: z.string().min(16, 'must be at least 16 characters').default(DEV_SUBGRAPH_SECRET),
  LOG_LEVEL: logLevel,
  NODE_ENV: nodeEnv,
});
export type SubgraphConfig = z.infer<typeof subgraphEnv>;

/** Parses the environment once at start; nothing else in a service reads process.env. */
export function loadConfig<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  const parsed = schema.safeParse(env);
  if (parsed.success) return parsed.data;
  throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`));
}

/** Secrets with a documented local default must be set for real in production. */
export function assertProductionSecrets(
  nodeEnvironment: string,
  secrets: Record<string, { value: string; devDefault: string }>,
): void {
  if (nodeEnvironment !== 'production') return;
  const unset = Object.entries(secrets)
    .filter(([, secret]) => secret.value === secret.devDefault)
    .map(([name]) => `${name}: must be set in production (the local default is public)`);
  if (unset.length > 0) throw new ConfigError(unset);
}

export function databaseName(config: Pick<SubgraphConfig, 'MONGO_DB_PREFIX'>, service: string): string {
  return `${config.MONGO_DB_PREFIX}_${service}`;
}
