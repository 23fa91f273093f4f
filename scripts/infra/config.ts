import path from 'node:path';
import { parseConfig } from '@roombook/kernel';
import { z } from 'zod';
import { REPO_ROOT } from './locations';

/** Where nats-server release archives come from unless NATS_SERVER_DOWNLOAD_MIRROR says otherwise. */
export const NATS_SERVER_RELEASES = 'https://github.com/nats-io/nats-server/releases/download';

/**
 * Install locations that are often not on PATH: Debian puts nats-server in /usr/sbin, Go's
 * installer puts go in /usr/local/go/bin. Searched after PATH.
 */
const WELL_KNOWN_DIRS = ['/usr/sbin', '/usr/local/go/bin'];

const directories = z.string().transform((value) => value.split(path.delimiter).filter((dir) => dir !== ''));

/**
 * How `npm start`, the test harness and the benchmark find or fetch their MongoDB-wire server and
 * nats-server. Read once per start through infrastructureConfig(); nothing else here reads process.env.
 */
export const infrastructureEnv = z.object({
  PATH: directories.default([]),
  /** Searched after PATH; set it empty to search PATH only (the tests do, to control every case). */
  ROOMBOOK_EXTRA_PATH: directories.default(WELL_KNOWN_DIRS),
  /** Binaries the project downloads or builds (mongod, FerretDB, nats-server, actionlint); they hold no data. */
  ROOMBOOK_BIN_DIR: z
    .string()
    .min(1)
    .transform((dir) => path.resolve(dir))
    .default(path.join(REPO_ROOT, '.data', 'bin')),
  /** A download that receives nothing for this long (no answer, or stalled) is given up. */
  ROOMBOOK_DOWNLOAD_TIMEOUT_MS: z.coerce.number().int().min(100).default(5_000),
  NATS_SERVER_DOWNLOAD_MIRROR: z.url().default(NATS_SERVER_RELEASES),
  /**
   * When set, a FerretDB started here keeps its data in this PostgreSQL database instead of SQLite
   * files under the data dir. FerretDB v1 looks documents up by index on PostgreSQL; on SQLite only
   * a lookup by `_id` alone does (with the index ferretdb-sqlite adds) and every other query scans
   * its collection, so the suite runs several times faster; .ci/run sets it where the machine runs
   * PostgreSQL.
   */
  FERRETDB_POSTGRESQL_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
    .optional(),
  /** Read by mongodb-memory-server itself (default https://fastdl.mongodb.org); here only so that a typo is named. */
  MONGOMS_DOWNLOAD_MIRROR: z.url().optional(),
});

export type InfrastructureConfig = z.infer<typeof infrastructureEnv>;

/** Throws ConfigError naming each bad variable. */
export function infrastructureConfig(env: NodeJS.ProcessEnv = process.env): InfrastructureConfig {
  return parseConfig(infrastructureEnv, env);
}

/** Where executables are looked for, in order. */
export function searchDirs(config: InfrastructureConfig): string[] {
  return [...config.PATH, ...config.ROOMBOOK_EXTRA_PATH];
}

/** "on PATH" or "on PATH or in /usr/sbin, /usr/local/go/bin", for messages. */
export function describeSearch(config: InfrastructureConfig): string {
  const extra = config.ROOMBOOK_EXTRA_PATH;
  return extra.length === 0 ? 'on PATH' : `on PATH or in ${extra.join(', ')}`;
}
