/**
 * How `npm start` finds its MongoDB-wire server and nats-server on a machine it knows nothing
 * about: what is on PATH, a download, the Go path, or a message naming every way. This machine has
 * nats-server in /usr/sbin and Go in /usr/local/go/bin, so every case runs with its own PATH, no
 * extra search directories, its own bin dir and HOME: each case gets exactly what it names.
 * Downloads go to local addresses that refuse, never answer, or serve a release.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import * as tar from 'tar';
import { testMongoUrl } from '../support/mongo';
import { freePortLayout, runNpmStart, type NpmStart } from '../support/npmStart';
import { infrastructureConfig, searchDirs } from '../../scripts/infra/config';
import { findExecutable } from '../../scripts/infra/executables';
import { installFerretdb } from '../../scripts/infra/ferretdbInstall';
import { installFerretdbSqlite } from '../../scripts/infra/ferretdbSqliteInstall';
import { findGo } from '../../scripts/infra/goToolchain';
import { MONGOD_VERSION } from '../../scripts/infra/mongodDownload';
import { chooseNatsServer, NATS_SERVER_VERSION } from '../../scripts/infra/nats';
import { findFreePort } from '../../scripts/infra/ports';

const machine = infrastructureConfig();
const logToStderr = (line: string) => process.stderr.write(`[server choice] ${line}\n`);

/** Real binaries of this machine, linked into each case's own directories. */
let go: string;
let ferretdb: string;
let ferretdbSqlite: string;
let natsServer: string;

let scratch: string;
let running: NpmStart | undefined;
/** Local servers a case started (mirrors), closed after it. */
const closeAfterEach: (() => Promise<void>)[] = [];

beforeAll(async () => {
  const goFound = findGo(machine);
  if (goFound === undefined) throw new Error('these tests need the Go toolchain, as the test harness does');
  go = goFound;
  // FerretDB and ferretdb-sqlite: built once into the shared bin dir, never again here (a case links them).
  ferretdb =
    findExecutable('ferretdb', [...searchDirs(machine), machine.ROOMBOOK_BIN_DIR]) ??
    (await installFerretdb(go, machine.ROOMBOOK_BIN_DIR, logToStderr));
  ferretdbSqlite = await installFerretdbSqlite(go, machine.ROOMBOOK_BIN_DIR, logToStderr);
  natsServer = await chooseNatsServer(machine, { log: logToStderr });
}, 300_000);

beforeEach(async () => {
  scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'roombook-server-choice-'));
});

afterEach(async () => {
  if (running !== undefined && running.process.exitCode === null && running.process.signalCode === null) {
    running.interrupt();
    await running.exited;
  }
  running = undefined;
  await Promise.all(closeAfterEach.splice(0).map((close) => close()));
  await fs.rm(scratch, { recursive: true, force: true });
});

/** A directory in the scratch space holding links named after the given binaries. */
async function directoryWith(name: string, links: Record<string, string>): Promise<string> {
  const dir = path.join(scratch, name);
  await fs.mkdir(dir, { recursive: true });
  for (const [linkName, target] of Object.entries(links)) await fs.symlink(target, path.join(dir, linkName));
  return dir;
}

/** npm start with a PATH of `pathDirs` only and nothing else found by chance. */
async function startWith(pathDirs: string[], env: Record<string, string | undefined>): Promise<NpmStart> {
  const home = path.join(scratch, 'home');
  await fs.mkdir(home, { recursive: true });
  running = runNpmStart({
    ...(await freePortLayout()),
    PATH: pathDirs.join(path.delimiter),
    ROOMBOOK_EXTRA_PATH: '',
    ROOMBOOK_BIN_DIR: path.join(scratch, 'bin'),
    ROOMBOOK_DATA_DIR: path.join(scratch, 'data'),
    // mongodb-memory-server also looks for binaries under ~/.cache; Go keeps its module cache under ~/go.
    HOME: home,
    GOFLAGS: `${process.env.GOFLAGS ?? ''} -modcacherw`.trim(),
    MONGO_URL: undefined,
    NATS_URL: undefined,
    ...env,
  });
  return running;
}

/** An address where nothing listens: the connection is refused at once. */
async function refusingAddress(): Promise<string> {
  return `https://127.0.0.1:${await findFreePort()}`;
}

/** An address that accepts connections and never says a word, like a mirror behind a black hole. */
async function silentAddress(): Promise<string> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => sockets.add(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closeAfterEach.push(() => {
    for (const socket of sockets) socket.destroy();
    return new Promise((resolve) => server.close(() => resolve()));
  });
  return `https://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
}

/** A mirror serving files by name (the last path segment), and recording what was asked for. */
async function mirrorServing(files: (name: string) => Buffer | undefined) {
  const requested: string[] = [];
  const server = http.createServer((request, response) => {
    requested.push(request.url ?? '');
    const body = files(path.basename(request.url ?? ''));
    if (body === undefined) response.writeHead(404).end();
    else response.writeHead(200, { 'content-length': body.length }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closeAfterEach.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`, requested };
}

/** A `mongod` that only says how it was started, then fails: it shows what the launcher chose and ran. */
async function standInMongod(dir: string): Promise<string> {
  const file = path.join(dir, 'mongod');
  await fs.mkdir(dir, { recursive: true });
  await fs.writeFile(file, '#!/bin/sh\necho "stand-in mongod started with: $*"\nexit 3\n', { mode: 0o755 });
  return file;
}

async function gzippedTar(dir: string, entry: string): Promise<Buffer> {
  const archive = path.join(scratch, `${path.basename(entry)}.tar.gz`);
  await tar.c({ gzip: true, file: archive, cwd: dir, portable: true }, [entry]);
  return fs.readFile(archive);
}

/** True when a client can use JetStream at `url`. */
async function answersWithJetStream(url: string): Promise<boolean> {
  const connection = await connect({ servers: url });
  try {
    await (await jetstreamManager(connection)).getAccountInfo();
    return true;
  } finally {
    await connection.close();
  }
}

const seconds = (from: { at: number }, to: { at: number }) => (to.at - from.at) / 1000;

async function leftoverPidFiles(dataDir: string): Promise<string[]> {
  const entries = await fs.readdir(dataDir, { recursive: true }).catch(() => [] as string[]);
  return entries.filter((entry) => path.basename(entry) === 'server.pid');
}

describe.each([
  ['refuse', refusingAddress, 3],
  ['never answer', silentAddress, 8],
] as const)('when the download mirrors %s', (_behaviour, mirrorAddress, withinSeconds) => {
  it('falls back to the FerretDB built with Go and to installing nats-server with Go, saying why each time', async () => {
    const tools = await directoryWith('tools', { go });
    await directoryWith('bin', { ferretdb, [path.basename(ferretdbSqlite)]: ferretdbSqlite });
    const start = await startWith([tools], {
      MONGOMS_DOWNLOAD_MIRROR: await mirrorAddress(),
      NATS_SERVER_DOWNLOAD_MIRROR: await mirrorAddress(),
    });

    const mongodDownload = await start.line(/^Downloading mongod/);
    const mongo = await start.line(/^MongoDB: /);
    expect(mongo.text).toContain(`using FerretDB at ${path.join(scratch, 'bin', 'ferretdb')}`);
    expect(mongo.text).toContain('no mongod on PATH');
    expect(mongo.text).toMatch(/the mongod \S+ download from \S+ failed: (connection refused|no answer for 5 s)$/);
    expect(seconds(mongodDownload, mongo)).toBeLessThan(withinSeconds);
    await start.line(/^MongoDB \(ferretdb\) started at/);

    const natsDownload = await start.line(/^Downloading nats-server/);
    const nats = await start.line(/^NATS: /);
    expect(nats.text).toContain(`installing nats-server ${NATS_SERVER_VERSION} with ${path.join(tools, 'go')}`);
    expect(nats.text).toMatch(/the nats-server \S+ download from \S+ failed: (connection refused|no answer for 5 s)$/);
    expect(seconds(natsDownload, nats)).toBeLessThan(withinSeconds);

    // Ctrl-C during the Go install: the install stops, and so does the FerretDB it started.
    start.interrupt();
    expect(await start.exited).toBe(0);
    expect(await leftoverPidFiles(path.join(scratch, 'data'))).toEqual([]);
  });
});

it('uses a nats-server placed on PATH', async () => {
  const start = await startWith([await directoryWith('tools', { 'nats-server': natsServer })], {
    MONGO_URL: testMongoUrl(),
  });

  await start.line(/^MONGO_URL is set: using that server, starting none$/);
  const nats = await start.line(/^NATS: /);
  expect(nats.text).toBe(`NATS: using the nats-server found at ${path.join(scratch, 'tools', 'nats-server')}`);
  const started = await start.line(/^NATS \(JetStream\) started at /);
  expect(await answersWithJetStream(/started at (\S+),/.exec(started.text)![1])).toBe(true);
});

it('chooses a mongod placed on PATH and starts it as a one-member replica set', async () => {
  const mongod = await standInMongod(path.join(scratch, 'tools'));
  const start = await startWith([path.dirname(mongod)], {});

  expect((await start.line(/^MongoDB: /)).text).toBe(`MongoDB: using the mongod found at ${mongod}`);
  expect(await start.exited).not.toBe(0);
  const dataDir = path.join(scratch, 'data', 'mongo', 'mongod');
  expect(start.output()).toMatch(
    new RegExp(`stand-in mongod started with: --dbpath ${dataDir} --bind_ip 127.0.0.1 --port \\d+ --replSet rs0`),
  );
});

it('downloads mongod with mongodb-memory-server from MONGOMS_DOWNLOAD_MIRROR, and runs it', async () => {
  const archiveDir = path.join(scratch, 'archive');
  await standInMongod(path.join(archiveDir, 'mongodb-release', 'bin'));
  const archive = await gzippedTar(archiveDir, 'mongodb-release');
  const md5 = createHash('md5').update(archive).digest('hex');
  const mirror = await mirrorServing((name) =>
    name.endsWith('.md5') ? Buffer.from(`${md5}  ${name.slice(0, -4)}\n`) : archive,
  );
  const start = await startWith([], { MONGOMS_DOWNLOAD_MIRROR: mirror.url, MONGOMS_USE_HTTP: 'true' });

  const mongo = await start.line(/^MongoDB: /);
  expect(mongo.text).toMatch(
    new RegExp(
      `^MongoDB: using mongod ${MONGOD_VERSION}, downloaded just now: ${path.join(scratch, 'bin', 'mongodb')}/mongod-`,
    ),
  );
  expect(mirror.requested).toEqual([
    expect.stringMatching(new RegExp(`/mongodb-.*-${MONGOD_VERSION}\\.tgz$`)),
    expect.stringMatching(new RegExp(`/mongodb-.*-${MONGOD_VERSION}\\.tgz\\.md5$`)),
  ]);
  expect(await start.exited).not.toBe(0);
  expect(start.output()).toMatch(/stand-in mongod started with: --dbpath .* --replSet rs0/);
});

it('downloads nats-server from NATS_SERVER_DOWNLOAD_MIRROR, checks its SHA256SUMS, and runs it; later runs reuse it', async () => {
  const releaseDir = path.join(scratch, 'release');
  await fs.mkdir(path.join(releaseDir, 'nats-server-release'), { recursive: true });
  await fs.copyFile(natsServer, path.join(releaseDir, 'nats-server-release', 'nats-server'));
  const archive = await gzippedTar(releaseDir, 'nats-server-release');
  const sha256 = createHash('sha256').update(archive).digest('hex');
  const archivesAskedFor: string[] = [];
  const mirror = await mirrorServing((name) => {
    if (name.endsWith('.tar.gz')) {
      archivesAskedFor.push(name);
      return archive;
    }
    if (name === 'SHA256SUMS') return Buffer.from(archivesAskedFor.map((file) => `${sha256}  ${file}\n`).join(''));
    return undefined;
  });
  const env = { MONGO_URL: testMongoUrl(), NATS_SERVER_DOWNLOAD_MIRROR: mirror.url };
  const first = await startWith([], env);
  const binary = path.join(scratch, 'bin', `nats-server-${NATS_SERVER_VERSION}`);
  expect((await first.line(/^NATS: /)).text).toBe(
    `NATS: using nats-server ${NATS_SERVER_VERSION}, downloaded just now: ${binary} — no nats-server on PATH`,
  );
  expect(mirror.requested).toEqual([
    expect.stringMatching(
      new RegExp(`^/${NATS_SERVER_VERSION}/nats-server-${NATS_SERVER_VERSION}-\\w+-\\w+\\.tar\\.gz$`),
    ),
    `/${NATS_SERVER_VERSION}/SHA256SUMS`,
  ]);
  await first.line(/^NATS \(JetStream\) started at /);
  first.interrupt();
  expect(await first.exited).toBe(0);

  const second = await startWith([], env);
  expect((await second.line(/^NATS: /)).text).toBe(
    `NATS: using nats-server ${NATS_SERVER_VERSION}, fetched earlier: ${binary} — no nats-server on PATH`,
  );
  await second.line(/^NATS \(JetStream\) started at /);
  expect(mirror.requested).toHaveLength(2);
});

it('names every way to get a database when none can be had, and exits', async () => {
  const start = await startWith([], { MONGOMS_DOWNLOAD_MIRROR: await refusingAddress() });

  expect(await start.exited).not.toBe(0);
  const message = start.output();
  expect(message).toContain('No MongoDB server can be started here');
  expect(message).toContain('set MONGO_URL to a running server');
  expect(message).toContain('install MongoDB so that `mongod` is on PATH');
  expect(message).toContain('MONGOMS_DOWNLOAD_MIRROR');
  expect(message).toContain('install Go');
  expect(message).not.toMatch(/^\s+at /m);
});
