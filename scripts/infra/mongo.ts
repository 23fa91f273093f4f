import fs from 'node:fs';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import { MissingServerError, ServerStartError } from './errors';
import { findExecutable } from './executables';
import { installFerretdb } from './ferretdbInstall';
import { findGo } from './goToolchain';
import { forgetServerPid, recordServerPid, stopLeftoverServer } from './leftoverServer';
import { LOCAL_BIN_DIR } from './locations';
import type { Log } from './log';
import { startManagedProcess, type ManagedProcess } from './managedProcess';
import { choosePort, type PortRequest } from './ports';
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
}

export interface MongoServer {
  readonly url: string;
  readonly engine: MongoEngine;
  stop(): Promise<void>;
}

/**
 * Starts a MongoDB-wire server on 127.0.0.1: a real mongod where one is installed, else FerretDB
 * (MongoDB-compatible, SQLite storage), built with Go on first use when it is not installed.
 */
export async function startMongo(options: MongoServerOptions): Promise<MongoServer> {
  const { engine, binary } = await findOrInstallEngine(options);
  // Separate folders: the two engines' files are not compatible, and a machine may gain mongod later.
  const dataDir = path.join(options.dir, engine);
  fs.mkdirSync(dataDir, { recursive: true });
  await stopLeftoverServer(dataDir, options.log);
  const port = await choosePort(options.port); // after the leftover is gone: it may hold the preferred port

  const server = await startManagedProcess({
    name: engine,
    command: binary,
    args: engine === 'mongod' ? mongodArguments(dataDir, port) : ferretdbArguments(dataDir, port),
    output: { logFile: path.join(dataDir, 'server.log') },
    detached: options.detached,
  });
  recordServerPid(dataDir, server.pid);
  const url = `mongodb://127.0.0.1:${port}/`;
  await waitUntilAnswering(url, server, options.startTimeoutMs ?? 30_000);

  return {
    url,
    engine,
    async stop() {
      await server.stop();
      forgetServerPid(dataDir);
    },
  };
}

async function findOrInstallEngine(options: MongoServerOptions): Promise<{ engine: MongoEngine; binary: string }> {
  const mongod = findExecutable('mongod');
  if (mongod !== undefined) return { engine: 'mongod', binary: mongod };
  const ferretdb = findExecutable('ferretdb', [path.join(LOCAL_BIN_DIR, 'ferretdb')]);
  if (ferretdb !== undefined) return { engine: 'ferretdb', binary: ferretdb };
  const go = findGo();
  if (go !== undefined) return { engine: 'ferretdb', binary: await installFerretdb(go, LOCAL_BIN_DIR, options.log) };
  throw new MissingServerError(
    'No MongoDB-compatible server can be started here: there is no `mongod`, no `ferretdb` and no Go toolchain to build FerretDB with. ' +
      'Do one of: install MongoDB so that `mongod` is on PATH (https://www.mongodb.com/docs/manual/installation/); ' +
      'install Go 1.24 or newer (https://go.dev/dl/), and FerretDB is built into .data/bin on the next run; ' +
      `or set ${options.urlVariable ?? 'MONGO_URL'} to a running server, e.g. mongodb://127.0.0.1:27017.`,
  );
}

function mongodArguments(dataDir: string, port: number): string[] {
  return ['--dbpath', dataDir, '--bind_ip', '127.0.0.1', '--port', String(port)];
}

function ferretdbArguments(dataDir: string, port: number): string[] {
  return [
    '--handler=sqlite',
    `--sqlite-url=file:${dataDir}/`,
    `--listen-addr=127.0.0.1:${port}`,
    // It writes state.json to the working directory otherwise.
    `--state-dir=${dataDir}`,
    // Its default debug/metrics listener (127.0.0.1:8088) would clash between two instances.
    '--debug-addr=-',
    '--telemetry=disable',
    '--log-level=warn',
  ];
}

async function waitUntilAnswering(url: string, server: ManagedProcess, timeoutMs: number): Promise<void> {
  const outcome = await pollUntilReady(() => answersPing(url), { timeoutMs, exited: server.exited });
  if (outcome === 'ready') return;
  await server.stop();
  const why = outcome === 'exited' ? 'exited before it answered' : `did not answer a ping within ${timeoutMs} ms`;
  throw new ServerStartError(`${server.name} on ${url} ${why}. Last lines of its log:\n${server.outputTail()}`);
}

async function answersPing(url: string): Promise<boolean> {
  const client = new MongoClient(url, { serverSelectionTimeoutMS: 500, connectTimeoutMS: 500 });
  try {
    await client.db('admin').command({ ping: 1 });
    return true;
  } catch {
    return false;
  } finally {
    await client.close();
  }
}
