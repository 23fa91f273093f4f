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

/**
 * How long a stopping service stays up, answering but not ready, before it stops listening: load
 * balancers learn of readiness by polling, so requests keep arriving for a while after SIGTERM.
 * Unset: PRODUCTION_DRAIN_DELAY_MS in production, 0 elsewhere (see drainDelayMs).
 */
export const drainDelay = z.coerce.number().int().min(0).max(120_000).optional();

/**
 * The longest the warm-up may hold readiness back (WARMUP, see warmUp.ts). It takes about a second
 * on an idle 2-core machine; a slower one becomes ready after this, warm or not.
 */
export const warmUpCap = z.coerce.number().int().min(1).default(5_000);
/** WARMUP, the same switch for subgraphs and router: `on`, warm up before reporting ready (each one's config says how); `off`, ready once listening. */
export const warmUpSwitch = z.enum(['on', 'off']).default('on');
/**
 * Copies JetStream keeps of each stream: 1 on a single server, 3 on a three-node cluster (so a
 * stream outlives a node). Every service provisions the streams, so all must say the same.
 */
export const natsStreamReplicas = z.coerce.number().int().min(1).max(5).default(1);
const PRODUCTION_DRAIN_DELAY_MS = 5_000;

export function drainDelayMs(config: { readonly DRAIN_DELAY_MS?: number; readonly NODE_ENV: string }): number {
  return config.DRAIN_DELAY_MS ?? (config.NODE_ENV === 'production' ? PRODUCTION_DRAIN_DELAY_MS : 0);
}

/** Local-only default, documented in the README; production refuses it (see assertProductionSecrets). */
export const DEV_SUBGRAPH_SECRET = 'dev-only-subgraph-secret-change-me';

/** Variables every subgraph reads. Each subgraph extends this with its own. */
export const subgraphEnv = z.object({
  PORT: z.coerce.number().int().min(0).max(65535),
  /** Subgraphs are for the router, not for clients: loopback only unless a container needs 0.0.0.0. */
  HOST: z.string().min(1).default('127.0.0.1'),
  MONGO_URL: z.string().regex(/^mongodb(\+srv)?:\/\//, 'must be a mongodb:// URL'),
  /** Database names are `<prefix>_<service>`; tests set a unique prefix so they never touch npm start's data. */
  MONGO_DB_PREFIX: z
    .string()
    .regex(/^[a-z][a-z0-9_]{0,40}$/, 'lower-case letters, digits and _')
    .default('roombook'),
  /** How long a database operation waits for an unreachable server before the client is told SERVICE_UNAVAILABLE. */
  MONGO_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
  /**
   * Database connections kept open when idle, opened from the start: a first burst then finds them
   * open instead of opening them 2 at a time (the driver's maxConnecting) while its operations
   * wait. The 50 operations the router admits at once grew reservation's pool to 18-22.
   */
  MONGO_MIN_POOL_SIZE: z.coerce.number().int().min(0).max(100).default(20),
  NATS_URL: z.string().min(1),
  NATS_STREAM_REPLICAS: natsStreamReplicas,
  SUBGRAPH_SECRET: z.string().min(16, 'must be at least 16 characters').default(DEV_SUBGRAPH_SECRET),
  DRAIN_DELAY_MS: drainDelay,
  /**
   * `on`: before it reports ready, a subgraph sends a scratch copy of itself the requests its
   * first real ones would be (see warmUp.ts), so a first burst does not pay for the code's first use.
   */
  WARMUP: warmUpSwitch,
  WARMUP_CAP_MS: warmUpCap,
  LOG_LEVEL: logLevel,
  NODE_ENV: nodeEnv,
});
export type SubgraphConfig = z.infer<typeof subgraphEnv>;

/**
 * A service's main reads its environment with this, once at start; nothing else in a service reads
 * process.env. A bad environment is a mistake of whoever starts the service, not a bug: it prints one
 * line per bad variable, saying what to set, and exits with EXIT_CODE_BAD_CONFIG, without a stack trace.
 */
export function loadConfig<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  try {
    return parseConfig(schema, env);
  } catch (error) {
    if (error instanceof ConfigError) exitWithConfigError(error);
    throw error;
  }
}

/** As loadConfig, but throws ConfigError instead of exiting: for tests and for callers that gather problems. */
export function parseConfig<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  const parsed = schema.safeParse(env);
  if (parsed.success) return parsed.data;
  throw new ConfigError(describeIssues(parsed.error.issues, env));
}

/** sysexits.h EX_CONFIG, so a script that starts a service can tell a configuration mistake from a crash. */
export const EXIT_CODE_BAD_CONFIG = 78;

/** Prints the problems, one line each, to stderr and exits. */
export function exitWithConfigError(error: ConfigError): never {
  for (const problem of error.problems) console.error(`Invalid configuration: ${problem}`);
  process.exit(EXIT_CODE_BAD_CONFIG);
}

/**
 * One problem per variable, even when it breaks several rules, in words a person setting variables
 * uses ("is not set", not zod's "expected string, received undefined"). Values are never repeated:
 * some are secrets.
 */
function describeIssues(issues: readonly z.core.$ZodIssue[], env: NodeJS.ProcessEnv): string[] {
  const byVariable = new Map<string, string[]>();
  for (const issue of issues) {
    const variable = issue.path.join('.') || '(environment)';
    const messages = byVariable.get(variable) ?? [];
    const message = describeIssue(issue, env[variable]);
    if (!messages.includes(message)) messages.push(message);
    byVariable.set(variable, messages);
  }
  return [...byVariable].map(([variable, messages]) => `${variable}: ${messages.join('; ')}`);
}

function describeIssue(issue: z.core.$ZodIssue, value: string | undefined): string {
  if (value === undefined && issue.code === 'invalid_type') return 'is not set';
  if (value === '') return 'is set but empty';
  if (issue.code === 'invalid_type') return `must be a ${issue.expected}`;
  return issue.message;
}

/**
 * Fewer distinct characters than this and a secret is a pattern, not a secret ("aaaa…", "abab…").
 * A random secret of 32 characters almost never has so few (`openssl rand -hex 32`, as .env.example says, practically never).
 */
export const MIN_SECRET_DISTINCT_CHARACTERS = 8;

/**
 * Secrets with a documented local default must be set for real in production: not the default
 * (spaces around it or something appended do not make it secret), and not a guessable pattern.
 * One problem per secret, never its value.
 */
export function assertProductionSecrets(
  nodeEnvironment: string,
  secrets: Record<string, { value: string; devDefault: string }>,
): void {
  if (nodeEnvironment !== 'production') return;
  const problems = Object.entries(secrets).flatMap(([name, { value, devDefault }]) => {
    if (value.includes(devDefault.trim())) return [`${name}: must be set in production (the local default is public)`];
    if (new Set(value).size < MIN_SECRET_DISTINCT_CHARACTERS) {
      return [
        `${name}: must have at least ${MIN_SECRET_DISTINCT_CHARACTERS} distinct characters in production (generate one: openssl rand -hex 32)`,
      ];
    }
    return [];
  });
  if (problems.length > 0) throw new ConfigError(problems);
}

export function databaseName(config: Pick<SubgraphConfig, 'MONGO_DB_PREFIX'>, service: string): string {
  return `${config.MONGO_DB_PREFIX}_${service}`;
}
