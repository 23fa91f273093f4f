import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { SUBGRAPHS } from '../subgraphs/catalog';
import { bearer, postGraphQL } from '../test/support/graphqlClient';
import { tokenFor } from '../test/support/tokens';
import { isPortFree } from './infra/ports';
import { REPO_ROOT } from './infra/locations';

/** `npm start` as a person runs it: nothing configured, data under its data dir, stopped with SIGTERM. */
interface StartedSystem {
  readonly process: ChildProcess;
  output(): string;
}

let dataDir: string;
let routerPort: number;
let portOffset: number;

beforeAll(async () => {
  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'roombook-start-'));
  [routerPort, portOffset] = await freePortLayout();
});
afterAll(() => fs.rm(dataDir, { recursive: true, force: true }));

/** A router port and an offset at which every catalog port is free, so a running `npm start` is left alone. */
async function freePortLayout(): Promise<[number, number]> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const base = 20_000 + Math.floor(Math.random() * 20_000);
    const ports = [base, ...SUBGRAPHS.map(({ port }) => port - 4000 + base)];
    if ((await Promise.all(ports.map(isPortFree))).every(Boolean)) return [base, base - 4000];
  }
  throw new Error('no free port layout found');
}

function startNpmStart(): Promise<StartedSystem> {
  const environment: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(routerPort),
    SUBGRAPH_PORT_OFFSET: String(portOffset),
    ROOMBOOK_DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
  };
  delete environment.MONGO_URL;
  delete environment.NATS_URL;
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], { cwd: REPO_ROOT, env: environment });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve, reject) => {
    const ready = `The supergraph is ready at http://localhost:${routerPort}/graphql`;
    child.stdout.on('data', () => {
      if (output.includes(ready)) resolve({ process: child, output: () => output });
    });
    child.once('exit', (code) => reject(new Error(`npm start exited with ${code} before it was ready:\n${output}`)));
  });
}

function stop(system: StartedSystem): Promise<number | null> {
  return new Promise((resolve) => {
    system.process.once('exit', (code) => resolve(code));
    system.process.kill('SIGTERM');
  });
}

it('runs the whole supergraph with nothing configured, and keeps its rooms across a restart', async () => {
  const url = `http://127.0.0.1:${routerPort}/graphql`;
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
});
