import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { SUBGRAPHS } from '../subgraphs/catalog';
import { bearer, postGraphQL } from './support/graphqlClient';
import { processesMarked } from './support/processesMarked';
import { freePortLayout, runNpmStart, type NpmStart } from './support/npmStart';
import { tokenFor } from './support/tokens';

/** `npm start` as a person runs it: nothing configured, data under its data dir, stopped with SIGTERM. */
let dataDir: string;
let ports: Awaited<ReturnType<typeof freePortLayout>>;

beforeAll(async () => {
  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'roombook-start-'));
  ports = await freePortLayout();
});
afterAll(() => fs.rm(dataDir, { recursive: true, force: true }));

async function startNpmStart(env: Record<string, string | undefined> = {}): Promise<NpmStart> {
  const start = runNpmStart({
    ...ports,
    ROOMBOOK_DATA_DIR: dataDir,
    MONGO_URL: undefined,
    NATS_URL: undefined,
    ...env,
  });
  await start.line(new RegExp(`^The supergraph is ready at http://localhost:${ports.PORT}/graphql$`));
  return start;
}

async function stop(start: NpmStart): Promise<number | null> {
  start.terminate();
  return start.exited;
}

it('runs the whole supergraph with nothing configured, and keeps its rooms across a restart', async () => {
  const url = `http://127.0.0.1:${ports.PORT}/graphql`;
  const host = bearer(await tokenFor('hana', ['HOST']));

  const first = await startNpmStart();
  for (const { name } of SUBGRAPHS) expect(first.output()).toMatch(new RegExp(`${name} is ready on port`));
  const registered = await postGraphQL(
    url,
    `mutation { registerRoom(input: { name: "Kept", city: "Oslo", capacity: 2, pricePerNight: { amount: 5000, currency: "NOK" } }) { id } }`,
    {},
    host,
  );
  expect(registered.errors).toBeUndefined();
  const roomId = registered.data!.registerRoom.id as string;
  expect(await stop(first)).toBe(0);

  const second = await startNpmStart();
  const read = await postGraphQL(url, `query($id: ID!) { room(id: $id) { id name city } }`, { id: roomId });
  expect(read.data?.room).toEqual({ id: roomId, name: 'Kept', city: 'Oslo' });
  expect(await stop(second)).toBe(0);
  expect(second.output()).toMatch(/Stopped\./);
}, 180_000); // two whole starts from source: a minute and more on a busy 2-core machine

it('stops everything it started when told twice at once (Ctrl-C pressed again, or passed on by npm as well)', async () => {
  const marker = `roombook-start-${randomUUID()}`;
  const start = await startNpmStart({ ROOMBOOK_TEST_MARKER: marker });
  expect(processesMarked(marker).length).toBeGreaterThan(SUBGRAPHS.length + 1);

  start.signal('SIGINT');
  start.signal('SIGINT');
  expect(await start.exited).toBe(0);
  expect(start.output()).toMatch(/Stopped\./);
  expect(processesMarked(marker)).toEqual([]);
});

it('names each bad variable in one line before starting anything, and exits', async () => {
  const start = runNpmStart({
    ...ports,
    ROOMBOOK_DATA_DIR: dataDir,
    SUBGRAPH_PORT_OFFSET: 'ten',
    JWT_SECRET: 'short',
    SUBGRAPH_SECRET: 'short',
  });

  expect(await start.exited).not.toBe(0);
  const services = ['router', ...SUBGRAPHS.map(({ name }) => name)].join(', ');
  expect(start.output().split('\n')).toEqual([
    'Invalid configuration: SUBGRAPH_PORT_OFFSET: must be a number',
    'Invalid configuration: JWT_SECRET: must be at least 32 characters (router)',
    `Invalid configuration: SUBGRAPH_SECRET: must be at least 16 characters (${services})`,
  ]);
});
