import fs from 'node:fs';
import path from 'node:path';
import { MongoClient, MongoServerError } from 'mongodb';
import { describeSearch, infrastructureConfig, searchDirs, type InfrastructureConfig } from './config';
import { DownloadFailedError, MissingServerError, ServerStartError } from './errors';
import { findExecutable } from './executables';
import { FERRETDB_VERSION, installFerretdb } from './ferretdbInstall';
import { installFerretdbSqlite } from './ferretdbSqliteInstall';
import { findGo } from './goToolchain';
import { forgetServerPid, recordServerPid, stopLeftoverServer } from './leftoverServer';
import type { Log } from './log';
import { beginAttempt } from './attempts';
import { startManagedProcess, type ManagedProcess } from './managedProcess';
import { downloadMongod, downloadedMongod, MONGOD_VERSION } from './mongodDownload';
import { startOnChosenPorts, type PortRequest } from './ports';
import { pollUntilReady } from './readiness';

export type MongoEngine = 'mongod' | 'ferretdb';

export interface MongoServerOptions {
  /** Holds the data and the log; kept between runs so a restart loses nothing. */
  readonly dir: string;
  readonly port: PortRequest;
  readonly log: Log;
  /** The variable that would have pointed at an existing server, named when none can be had. */
  readonly urlVariable?: string;
  readonly detached?: boolean;
  readonly startTimeoutMs?: number;
  /** Where to look for and put binaries; read from the environment when not given. */
  readonly config?: InfrastructureConfig;
  /** FerretDB even where a mongod could be had: for what only FerretDB does (its tests). */
  readonly onlyFerretdb?: boolean;
}

export interface MongoServer {
  readonly url: string;
  readonly engine: MongoEngine;
  stop(): Promise<void>;
}

/** mongod runs as a one-member replica set, as MongoDB is run in production: transactions and change streams work. */
const REPLICA_SET = 'rs0';

/**
 * Starts a MongoDB-wire server on 127.0.0.1, the first that can be had of: a mongod on this machine;
 * a mongod downloaded once (mongodb-memory-server's downloader) into the bin dir; FerretDB
 * (MongoDB-compatible, SQLite storage, under ferretdb-sqlite), built with Go on first use. Says in
 * one line which, and why.
 */
export async function startMongo(options: MongoServerOptions): Promise<MongoServer> {
  const config = options.config ?? infrastructureConfig();
  const { engine, binary } = await chooseEngine(config, options);
  // Separate folders: the two engines' files are not compatible, and a machine may gain mongod later.
  const dataDir = path.join(options.dir, engine);
  // FerretDB on SQLite runs under its launcher: the launcher and its arguments, then FerretDB's command line.
  const launcher = engine === 'ferretdb' ? await ferretdbLauncher(config, dataDir, options.log) : [];
  const [command, ...leadingArgs] = [...launcher, binary];
  fs.mkdirSync(dataDir, { recursive: true });
  await stopLeftoverServer(dataDir, options.log);
  // After the leftover is gone: it may hold the preferred port.
  const { server, address } = await startOnChosenPorts([options.port], async ([port]) => {
    const server = await startManagedProcess({
      name: engine,
      command,
      args: [
        ...leadingArgs,
        ...(engine === 'mongod'
          ? mongodArguments(dataDir, port)
          : ferretdbArguments(dataDir, port, config.FERRETDB_POSTGRESQL_URL)),
      ],
      output: { logFile: path.join(dataDir, 'server.log') },
      detached: options.detached,
    });
    recordServerPid(dataDir, server.pid);
    const timeoutMs = options.startTimeoutMs ?? 30_000;
    const address = `127.0.0.1:${port}`;
    await waitUntilAnswering(address, server, timeoutMs);
    if (engine === 'mongod') await ensureReplicaSet(address, server, timeoutMs);
    return { server, address };
  });

  return {
    url: engine === 'mongod' ? `mongodb://${address}/?replicaSet=${REPLICA_SET}` : `mongodb://${address}/`,
    engine,
    async stop() {
      await server.stop();
      forgetServerPid(dataDir);
    },
  };
}

interface EngineChoice {
  readonly engine: MongoEngine;
  readonly binary: string;
}

async function chooseEngine(config: InfrastructureConfig, options: MongoServerOptions): Promise<EngineChoice> {
  const { log } = options;
  const binDir = config.ROOMBOOK_BIN_DIR;
  /** Why each better way was passed over, for the line that names the choice. */
  const passedOver: string[] = [];
  const choose = (engine: MongoEngine, binary: string, what: string): EngineChoice => {
    log(`MongoDB: ${what}${passedOver.length > 0 ? ` — ${passedOver.join('; ')}` : ''}`);
    return { engine, binary };
  };

  if (options.onlyFerretdb) passedOver.push('FerretDB asked for');
  else {
    const mongod = await findOrDownloadMongod(config, options, passedOver);
    if (mongod !== undefined) return choose('mongod', mongod.binary, mongod.what);
  }

  const ferretdb = findExecutable('ferretdb', [...searchDirs(config), binDir]);
  const storage = config.FERRETDB_POSTGRESQL_URL
    ? ', its data in PostgreSQL (FERRETDB_POSTGRESQL_URL)'
    : ', its data in SQLite files';
  if (ferretdb !== undefined) return choose('ferretdb', ferretdb, `using FerretDB at ${ferretdb}${storage}`);
  const go = findGo(config);
  if (go !== undefined) {
    const attempt = beginAttempt(binDir, `ferretdb-${FERRETDB_VERSION}-build`);
    choose(
      'ferretdb',
      path.join(binDir, 'ferretdb'),
      `building FerretDB ${FERRETDB_VERSION} with ${go} into ${binDir}${attempt.note}, about 2 minutes`,
    );
    const binary = await installFerretdb(go, binDir, log);
    attempt.succeeded();
    return { engine: 'ferretdb', binary };
  }
  passedOver.push('no FerretDB, and no Go toolchain to build it with');

  throw new MissingServerError(
    `No MongoDB server can be started here (${passedOver.join('; ')}). Do one of: ` +
      `set ${options.urlVariable ?? 'MONGO_URL'} to a running server, e.g. mongodb://127.0.0.1:27017; ` +
      'install MongoDB so that `mongod` is on PATH (https://www.mongodb.com/docs/manual/installation/); ' +
      `let mongod ${MONGOD_VERSION} be downloaded: it needs https://fastdl.mongodb.org, or a mirror in MONGOMS_DOWNLOAD_MIRROR; ` +
      `or install Go 1.24 or newer (https://go.dev/dl/), and FerretDB is built into ${binDir} on the next run.`,
  );
}

/** A mongod on this machine, or downloaded earlier or now; each way that failed is added to `passedOver`. */
async function findOrDownloadMongod(
  config: InfrastructureConfig,
  { log }: MongoServerOptions,
  passedOver: string[],
): Promise<{ binary: string; what: string } | undefined> {
  const binDir = config.ROOMBOOK_BIN_DIR;
  const installed = findExecutable('mongod', searchDirs(config));
  if (installed !== undefined) return { binary: installed, what: `using the mongod found at ${installed}` };
  passedOver.push(`no mongod ${describeSearch(config)}`);

  const downloadedEarlier = await downloadedMongod(binDir);
  if (downloadedEarlier !== undefined) {
    return {
      binary: downloadedEarlier,
      what: `using mongod ${MONGOD_VERSION}, downloaded earlier: ${downloadedEarlier}`,
    };
  }
  try {
    const downloaded = await downloadMongod({ binDir, idleTimeoutMs: config.ROOMBOOK_DOWNLOAD_TIMEOUT_MS, log });
    return { binary: downloaded, what: `using mongod ${MONGOD_VERSION}, downloaded just now: ${downloaded}` };
  } catch (error) {
    if (!(error instanceof DownloadFailedError)) throw error;
    passedOver.push(`the mongod ${MONGOD_VERSION} download from ${error.url} failed: ${error.reason}`);
    return undefined;
  }
}

/**
 * What FerretDB on SQLite runs under: ferretdb-sqlite, our program that starts it and adds to each
 * collection the index its lookups by `_id` can use (FerretDB v1.24's own is on another
 * expression, so each such lookup, update and delete reads every document of the collection).
 * Built with Go, as FerretDB is; without Go FerretDB runs alone, slower as collections grow. On
 * PostgreSQL FerretDB's lookups by `_id` use its index already.
 */
async function ferretdbLauncher(config: InfrastructureConfig, dataDir: string, log: Log): Promise<string[]> {
  if (config.FERRETDB_POSTGRESQL_URL) return [];
  const go = findGo(config);
  if (go === undefined) {
    log('MongoDB: FerretDB on SQLite runs without ferretdb-sqlite (no Go to build it): lookups by _id scan');
    return [];
  }
  const launcher = await installFerretdbSqlite(go, config.ROOMBOOK_BIN_DIR, log);
  return [launcher, '-dir', dataDir, '--'];
}

function mongodArguments(dataDir: string, port: number): string[] {
  return ['--dbpath', dataDir, '--bind_ip', '127.0.0.1', '--port', String(port), '--replSet', REPLICA_SET];
}

/**
 * FerretDB's SQLite in WAL mode with `synchronous=NORMAL`: the log is synced at checkpoints rather
 * than at every commit. A killed process (FerretDB's or a service's) loses nothing and the files
 * stay consistent; a power cut or OS crash may lose the last commits, as mongod's `w: 1` writes
 * (acknowledged before the journal sync, which follows within 100 ms) may. At SQLite's default
 * (FULL) every commit waits for its own fsync, and concurrent writers queue behind each other's:
 * on the 2-core machine, 171 inserts/s from 50 writers at once against 574 with NORMAL.
 */
const SQLITE_DURABILITY = '_pragma=synchronous(normal)';

function ferretdbArguments(dataDir: string, port: number, postgresqlUrl: string | undefined): string[] {
  const storage = postgresqlUrl
    ? ['--handler=postgresql', `--postgresql-url=${postgresqlUrl}`]
    : ['--handler=sqlite', `--sqlite-url=file:${dataDir}/?${SQLITE_DURABILITY}`];
  return [
    ...storage,
    `--listen-addr=127.0.0.1:${port}`,
    // It writes state.json to the working directory otherwise.
    `--state-dir=${dataDir}`,
    // Its default debug/metrics listener (127.0.0.1:8088) would clash between two instances.
    '--debug-addr=-',
    '--telemetry=disable',
    '--log-level=warn',
  ];
}

async function waitUntilAnswering(address: string, server: ManagedProcess, timeoutMs: number): Promise<void> {
  const outcome = await pollUntilReady(() => answersPing(address), { timeoutMs, exited: server.exited });
  if (outcome === 'ready') return;
  await server.stop();
  const why = outcome === 'exited' ? 'exited before it answered' : `did not answer a ping within ${timeoutMs} ms`;
  throw new ServerStartError(
    `${server.name} on mongodb://${address}/ ${why}. Last lines of its log:\n${server.outputTail()}`,
  );
}

/** Straight to this server: a replica set member that is not initiated yet answers, but is no primary to select. */
function directClient(address: string): MongoClient {
  return new MongoClient(`mongodb://${address}/?directConnection=true`, {
    serverSelectionTimeoutMS: 500,
    connectTimeoutMS: 500,
  });
}

async function answersPing(address: string): Promise<boolean> {
  const client = directClient(address);
  try {
    await client.db('admin').command({ ping: 1 });
    return true;
  } catch {
    return false;
  } finally {
    await client.close();
  }
}

interface ReplicaSetConfig {
  readonly version: number;
  readonly members: readonly { readonly host: string }[];
}

/**
 * Initiates the one-member replica set on first start. On later starts the data already holds a
 * configuration, which names the address of the run that created it: when the port has changed
 * since (the preferred one was taken), that member would not find itself, so it is renamed.
 */
async function ensureReplicaSet(address: string, server: ManagedProcess, timeoutMs: number): Promise<void> {
  const client = directClient(address);
  try {
    const admin = client.db('admin');
    try {
      await admin.command({ replSetInitiate: { _id: REPLICA_SET, members: [{ _id: 0, host: address }] } });
    } catch (error) {
      if (!(error instanceof MongoServerError && error.codeName === 'AlreadyInitialized')) throw error;
      const { config } = (await admin.command({ replSetGetConfig: 1 })) as { config: ReplicaSetConfig };
      if (config.members.length !== 1 || config.members[0].host !== address) {
        const members = [{ ...config.members[0], host: address }];
        await admin.command({ replSetReconfig: { ...config, members, version: config.version + 1 }, force: true });
      }
    }
    const isPrimary = async () => {
      const hello = (await admin.command({ hello: 1 }).catch(() => ({}))) as { isWritablePrimary?: boolean };
      return hello.isWritablePrimary === true;
    };
    const outcome = await pollUntilReady(isPrimary, { timeoutMs, exited: server.exited });
    if (outcome === 'ready') return;
    throw new ServerStartError(
      `mongod on ${address} did not become the primary of replica set ${REPLICA_SET} within ${timeoutMs} ms (${outcome}). ` +
        `Last lines of its log:\n${server.outputTail()}`,
    );
  } catch (error) {
    await server.stop();
    if (error instanceof ServerStartError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new ServerStartError(`mongod on ${address} could not start its replica set ${REPLICA_SET}: ${reason}`, {
      cause: error,
    });
  } finally {
    await client.close();
  }
}
