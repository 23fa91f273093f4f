/**
 * FerretDB on SQLite as `npm start` and the tests run it: under ferretdb-sqlite, which gives each
 * collection the index FerretDB's own lookups by `_id` can use. Without it, FerretDB v1.24 reads
 * every document of a collection to find, update or delete one by `_id`. What the index changes is
 * visible through the wire protocol: `explain` returns SQLite's own query plan.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import { infrastructureConfig } from '../../scripts/infra/config';
import { startMongo, type MongoServer } from '../../scripts/infra/mongo';
import { findFreePort } from '../../scripts/infra/ports';
import { pollUntilReady } from '../../scripts/infra/readiness';

const { FERRETDB_POSTGRESQL_URL: _postgres, ...onSqlite } = infrastructureConfig();

interface Thing {
  readonly _id: string;
  readonly n: number;
}

let dir: string;
let server: MongoServer;
let client: MongoClient;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'roombook-ferretdb-sqlite-'));
  server = await startMongo({
    dir,
    port: await findFreePort(),
    log: () => {},
    config: onSqlite,
    onlyFerretdb: true,
  });
  client = new MongoClient(server.url);
  // The first run on a machine builds ferretdb-sqlite with Go (about 30 s).
}, 300_000);

afterAll(async () => {
  await client?.close();
  await server?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** SQLite's plan for FerretDB's lookup of one document by `_id`, one line per step. */
async function lookupPlan(database: string, collection: string): Promise<string> {
  const explained = (await client.db(database).command({ explain: { find: collection, filter: { _id: 'k7' } } })) as {
    queryPlanner: { Plan: string[] };
  };
  return explained.queryPlanner.Plan.join('\n');
}

async function untilLookedUpByIndex(database: string, collection: string): Promise<string> {
  let plan = '';
  const outcome = await pollUntilReady(
    async () => {
      // SQLite reads a changed schema when a statement begins a transaction, which an EXPLAIN does
      // not: a real lookup first, so that the connection explaining knows of the index if it exists.
      await client.db(database).collection<Thing>(collection).findOne({ _id: 'k7' });
      plan = await lookupPlan(database, collection);
      return plan.includes('USING INDEX');
    },
    { timeoutMs: 20_000, exited: new Promise(() => {}) },
  );
  if (outcome !== 'ready') throw new Error(`a lookup by _id still reads every document:\n${plan}`);
  return plan;
}

const things = (database: string) => client.db(database).collection<Thing>('things');
const documents = (count: number): Thing[] => Array.from({ length: count }, (_, i) => ({ _id: `k${i}`, n: i }));

it('finds, updates and deletes a document of a new collection by _id through an index', async () => {
  const lookups = things('lookups');
  await lookups.insertMany(documents(200));

  expect(await untilLookedUpByIndex('lookups', 'things')).toMatch(/SEARCH \S+ USING INDEX \S+_roombook_id_lookup/);
  expect(await lookups.findOne({ _id: 'k7' })).toEqual({ _id: 'k7', n: 7 });
  expect((await lookups.updateOne({ _id: 'k7' }, { $set: { n: 70 } })).modifiedCount).toBe(1);
  expect(await lookups.findOne({ _id: 'k7' })).toEqual({ _id: 'k7', n: 70 });
  expect((await lookups.deleteOne({ _id: 'k7' })).deletedCount).toBe(1);
  expect(await lookups.countDocuments()).toBe(199);
});

it('indexes a database dropped and created again (a new file)', async () => {
  await things('recreated').insertMany(documents(20));
  await untilLookedUpByIndex('recreated', 'things');

  await client.db('recreated').dropDatabase();
  await things('recreated').insertMany(documents(20));
  await untilLookedUpByIndex('recreated', 'things');
});

it('leaves no FerretDB behind when stopped, or when its launcher is killed outright', async () => {
  const stopped = await startOwnFerretdb();
  const killed = await startOwnFerretdb();
  try {
    expect(await answers(stopped.port)).toBe(true);
    await stopped.server.stop();
    expect(await answers(stopped.port)).toBe(false);

    expect(await answers(killed.port)).toBe(true);
    process.kill(killed.launcherPid, 'SIGKILL');
    const gone = await pollUntilReady(async () => !(await answers(killed.port)), {
      timeoutMs: 10_000,
      exited: new Promise(() => {}),
    });
    expect(gone).toBe('ready');
  } finally {
    for (const { server, dir } of [stopped, killed]) {
      await server.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
});

async function startOwnFerretdb() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'roombook-ferretdb-sqlite-'));
  const port = await findFreePort();
  const server = await startMongo({ dir, port, log: () => {}, config: onSqlite, onlyFerretdb: true });
  // The pid a server records beside its data is the launcher's: FerretDB is its child.
  const launcherPid = Number(fs.readFileSync(path.join(dir, 'ferretdb', 'server.pid'), 'utf8'));
  return { dir, port, server, launcherPid };
}

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
