/**
 * SUPERGRAPH_PATH serves another supergraph: each of its subgraphs is called where that supergraph
 * says, unless a SUBGRAPH_<NAME>_URL is set for it. The catalog's local defaults (127.0.0.1:400x)
 * belong to the checked-in supergraph only, even when the other one names a subgraph the same.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunningService } from '@roombook/kernel';
import { configSchema } from '../src/config';
import { DEFAULT_SUPERGRAPH_PATH, startRouter } from '../src/server';
import { registerRoom } from '../../test/support/booking';
import { postGraphQL } from '../../test/support/graphqlClient';
import { startSystem, type TestSystem } from '../../test/support/system';
import { tokenFor } from '../../test/support/tokens';

/** A closed port: a router that calls a subgraph here gets no answer. */
const NOWHERE = 'http://127.0.0.1:9/graphql';

const folder = mkdtempSync(join(tmpdir(), 'supergraph-path-'));
let system: TestSystem;
let roomId: string;
const routers: RunningService[] = [];

/** The checked-in supergraph with the room subgraph's URL replaced. */
function supergraphWithRoomAt(url: string): string {
  const path = join(folder, `supergraph-${routers.length}.graphql`);
  const sdl = readFileSync(DEFAULT_SUPERGRAPH_PATH, 'utf8').replace(
    /(@join__graph\(name: "room", url: ")[^"]*"/,
    `$1${url}"`,
  );
  writeFileSync(path, sdl);
  return path;
}

async function routerWith(environment: Record<string, string>): Promise<RunningService> {
  const router = await startRouter(
    configSchema.parse({ PORT: '0', LOG_LEVEL: 'silent', NODE_ENV: 'test', ...environment }),
  );
  routers.push(router);
  return router;
}

const ROOM = `query($id: ID!) { room(id: $id) { id name } }`;

beforeAll(async () => {
  system = await startSystem(['room']);
  roomId = await registerRoom(system, await tokenFor('hana', ['HOST']), { name: 'Where the supergraph says' });
});
afterAll(async () => {
  await Promise.all(routers.map((router) => router.stop()));
  await system?.stop();
  rmSync(folder, { recursive: true, force: true });
});

it('calls a subgraph of another supergraph where that supergraph says, when no SUBGRAPH_<NAME>_URL is set', async () => {
  const router = await routerWith({ SUPERGRAPH_PATH: supergraphWithRoomAt(system.subgraph('room').url) });
  const answer = await postGraphQL(router.url, ROOM, { id: roomId });
  expect(answer.errors).toBeUndefined();
  expect(answer.data).toEqual({ room: { id: roomId, name: 'Where the supergraph says' } });
});

it('calls it at SUBGRAPH_<NAME>_URL when that is set, whatever the supergraph says', async () => {
  const router = await routerWith({
    SUPERGRAPH_PATH: supergraphWithRoomAt(NOWHERE),
    SUBGRAPH_ROOM_URL: system.subgraph('room').url,
  });
  const answer = await postGraphQL(router.url, ROOM, { id: roomId });
  expect(answer.data).toEqual({ room: { id: roomId, name: 'Where the supergraph says' } });
});
