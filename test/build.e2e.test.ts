/**
 * The images run `npm run build`'s output with plain node and production dependencies (Dockerfile).
 * No Docker engine here, so this runs the same files: it builds into a fresh directory, starts the
 * compiled room subgraph and the compiled router as OS processes from another working directory
 * (every schema and page must be found from the code's own location), and registers and lists a
 * room through them. (How they stop is the drain's business, tested with it.)
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { builtinModules } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { build, buildIfChanged } from '../scripts/build';
import { findFreePorts } from '../scripts/infra/ports';
import { forgetProcess, recordProcess } from '../scripts/infra/processRegistry';
import { bearer, postGraphQL } from './support/graphqlClient';
import { dropDatabases, testMongoUrl, uniqueDbPrefix } from './support/mongo';
import { startNatsServer, type TestNatsServer } from './support/natsServer';
import { tokenFor } from './support/tokens';

const ROOT = path.resolve(__dirname, '..');

interface CompiledService {
  readonly process: ChildProcess;
  readonly url: string;
  output(): string;
}

let dist: string;
let nats: TestNatsServer;
const dbPrefix = uniqueDbPrefix();
const started: ChildProcess[] = [];

/** Starts `node <entry>` from the build, in a working directory that is not the repository. */
function startCompiled(entry: string, port: number, env: Record<string, string>): CompiledService {
  const child = spawn(process.execPath, [path.join(dist, entry)], {
    cwd: os.tmpdir(),
    env: { PATH: process.env.PATH, PORT: String(port), LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(child);
  // Its environment is the image's, not this run's: recorded so that an interrupted run stops it too.
  recordProcess(child.pid!, entry, false);
  child.once('close', () => forgetProcess(child.pid!));
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return { process: child, url: `http://127.0.0.1:${port}`, output: () => output };
}

/** Polls /health/ready until it answers 200; fails with the service's output if it exits first. */
async function ready(service: CompiledService): Promise<void> {
  for (;;) {
    if (service.process.exitCode !== null) {
      throw new Error(`exited with ${service.process.exitCode} before it was ready:\n${service.output()}`);
    }
    const status = await fetch(`${service.url}/health/ready`).then(
      (response) => response.status,
      () => 0,
    );
    if (status === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

beforeAll(async () => {
  // Inside the repository, as /app/dist is beside /app/node_modules in the image.
  fs.mkdirSync(path.join(ROOT, '.data'), { recursive: true });
  dist = fs.mkdtempSync(path.join(ROOT, '.data', 'build-test-'));
  build(dist);
  nats = await startNatsServer();
}, 180_000);

afterAll(async () => {
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await nats?.close();
  await dropDatabases(dbPrefix);
  if (dist) fs.rmSync(dist, { recursive: true, force: true });
});

it('the compiled room subgraph and router start and serve the graph and their pages', async () => {
  const [roomPort, routerPort] = await findFreePorts(2);
  const room = startCompiled('subgraphs/room/src/main.js', roomPort, {
    MONGO_URL: testMongoUrl(),
    MONGO_DB_PREFIX: dbPrefix,
    NATS_URL: nats.url,
  });
  const router = startCompiled('router/src/main.js', routerPort, {
    NATS_URL: nats.url,
    SUBGRAPH_ROOM_URL: `${room.url}/graphql`,
  });
  await Promise.all([ready(room), ready(router)]);

  const host = await tokenFor('compiled-host', ['HOST']);
  const registered = await postGraphQL(
    `${router.url}/graphql`,
    `mutation { registerRoom(input: { name: "Built loft", city: "Porto", capacity: 2,
       pricePerNight: { amount: 9000, currency: "EUR" } }) { id name } }`,
    {},
    bearer(host),
  );
  expect(registered.errors).toBeUndefined();
  const listed = await postGraphQL<{ rooms: { edges: { node: { name: string } }[] } }>(
    `${router.url}/graphql`,
    '{ rooms(filter: { city: "porto" }) { edges { node { name } } } }',
  );
  expect(listed.errors).toBeUndefined();
  expect(listed.data?.rooms.edges.map((edge) => edge.node.name)).toEqual(['Built loft']);

  // The router's pages and the client app are built beside its code, and served from under a dot folder (.data/).
  const app = await (await fetch(`${router.url}/`)).text();
  const script = /<script type="module" crossorigin src="([^"]+)"/.exec(app)?.[1];
  expect(script).toMatch(/^\/assets\/index-.+\.js$/);
  for (const page of ['/graphiql', '/graphiql/assets/graphiql-page.js', '/host', script!]) {
    expect(`${page} ${(await fetch(`${router.url}${page}`)).status}`).toBe(`${page} 200`);
  }
});

it('requires at run time only packages that `npm ci --omit=dev` installs', () => {
  const listed = spawnSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], { cwd: ROOT, encoding: 'utf8' });
  const installed = new Set(
    listed.stdout
      .split('\n')
      .map((line) => /node_modules\/((?:@[^/]+\/)?[^/]+)$/.exec(line)?.[1])
      .filter((name) => name !== undefined),
  );
  const required = new Map<string, string>();
  const files = fs.readdirSync(dist, { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.js'));
  for (const file of files) {
    for (const [, specifier] of fs.readFileSync(path.join(dist, file), 'utf8').matchAll(/require\("([^".][^"]*)"\)/g)) {
      const name = /^(@[^/]+\/)?[^/]+/.exec(specifier)![0];
      if (!name.startsWith('node:') && !builtinModules.includes(name)) required.set(name, file);
    }
  }
  expect(required.size).toBeGreaterThan(10);
  const missing = [...required].filter(([name]) => !installed.has(name)).map(([name, file]) => `${name} (${file})`);
  expect(missing).toEqual([]);
});

it('builds nothing again when no source changed since (what a second npm start does)', () => {
  const files = fs
    .readdirSync(dist, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath, entry.name));
  const modified = () => files.map((file) => `${file} ${fs.statSync(file).mtimeMs}`);
  const before = modified();

  expect(buildIfChanged(dist)).toEqual({ compiled: [] });
  // Not one file written again: no compilation, no copy, no client build.
  expect(modified()).toEqual(before);
});
