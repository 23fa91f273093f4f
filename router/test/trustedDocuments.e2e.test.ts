/**
 * Trusted documents through the real router and room subgraph: with PERSISTED_DOCUMENTS_MODE=enforce
 * only the manifest's operations run, sent by id alone or as their exact text; anything else is
 * refused before it is parsed. In audit mode it is served and counted. A manifest replaced on disk
 * is in force without a restart.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunningService } from '@roombook/kernel';
import { configSchema } from '../src/config';
import { startRouter } from '../src/server';
import { registerRoom } from '../../test/support/booking';
import { errorCodes, postGraphQL, type GraphQLResponse } from '../../test/support/graphqlClient';
import { connectLive } from '../../test/support/liveClient';
import { startSystem, type TestSystem } from '../../test/support/system';
import { tokenFor } from '../../test/support/tokens';

/** As test/support/booking's registerRoom sends it: trusted as exact text. */
const REGISTER = `mutation($input: RegisterRoomInput!) { registerRoom(input: $input) { id } }`;
const ROOM = `query Room($id: ID!) { room(id: $id) { id name city } }`;
const ROOM_CITY = `query RoomCity($id: ID!) { room(id: $id) { city } }`;
const UNLISTED = `query Unlisted($id: ID!) { room(id: $id) { id capacity } }`;
const ROOM_CHANGED = `subscription Changes { roomChanged { id name } }`;

const idOf = (body: string) => createHash('sha256').update(body).digest('hex');

function manifestOf(bodies: Record<string, string>): string {
  return JSON.stringify({
    format: 'apollo-persisted-query-manifest',
    version: 1,
    operations: Object.entries(bodies).map(([name, body]) => ({
      id: idOf(body),
      name,
      type: body.startsWith('mutation') ? 'mutation' : body.startsWith('subscription') ? 'subscription' : 'query',
      body,
    })),
  });
}

const folder = mkdtempSync(join(tmpdir(), 'trusted-documents-'));
const manifestPath = join(folder, 'persisted-query-manifest.json');
writeFileSync(manifestPath, manifestOf({ Register: REGISTER, Room: ROOM, Changes: ROOM_CHANGED }));

let system: TestSystem;
let auditing: RunningService;
let roomId: string;

beforeAll(async () => {
  system = await startSystem(['room'], {
    router: { PERSISTED_DOCUMENTS_PATH: manifestPath, PERSISTED_DOCUMENTS_MODE: 'enforce' },
  });
  auditing = await startRouter(
    configSchema.parse({
      PORT: '0',
      LOG_LEVEL: 'silent',
      NODE_ENV: 'test',
      SUBGRAPH_ROOM_URL: system.subgraph('room').url,
      PERSISTED_DOCUMENTS_PATH: manifestPath,
      PERSISTED_DOCUMENTS_MODE: 'audit',
    }),
  );
  roomId = await registerRoom(system, await tokenFor('hana', ['HOST']), { name: 'Trusted loft', city: 'Porto' });
});
afterAll(async () => {
  await auditing?.stop();
  await system?.stop();
  rmSync(folder, { recursive: true, force: true });
});

/** An operation sent by id alone, as Apollo Client's persisted-queries link first sends it. */
function byId(url: string, body: string, variables: Record<string, unknown>): Promise<GraphQLResponse> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ variables, extensions: { persistedQuery: { version: 1, sha256Hash: idOf(body) } } }),
  }).then(async (response) => ({ status: response.status, ...((await response.json()) as object) }));
}

async function trustedDocumentsCount(url: string, outcome: string): Promise<number> {
  const text = await (await fetch(url.replace(/\/graphql$/, '/metrics'))).text();
  const line = new RegExp(`^router_trusted_documents_total\\{[^}]*outcome="${outcome}"[^}]*\\} (\\d+)`, 'm').exec(text);
  return line ? Number(line[1]) : 0;
}

describe('enforce', () => {
  it('runs a listed operation sent by its id alone, over POST and GET', async () => {
    const posted = await byId(system.routerUrl, ROOM, { id: roomId });
    expect(posted.errors).toBeUndefined();
    expect(posted.data).toEqual({ room: { id: roomId, name: 'Trusted loft', city: 'Porto' } });

    const search = new URLSearchParams({
      variables: JSON.stringify({ id: roomId }),
      extensions: JSON.stringify({ persistedQuery: { version: 1, sha256Hash: idOf(ROOM) } }),
    });
    // A GET must say it is not a simple cross-site request (CSRF prevention, see the README).
    const got = await fetch(`${system.routerUrl}?${search.toString()}`, {
      headers: { 'apollo-require-preflight': 'true' },
    });
    expect(await got.json()).toEqual({ data: { room: { id: roomId, name: 'Trusted loft', city: 'Porto' } } });
  });

  it('refuses an unlisted operation, by text or by id, before parsing it, and counts the refusals', async () => {
    const before = await trustedDocumentsCount(system.routerUrl, 'refused');
    const asText = await system.graphql(UNLISTED, { id: roomId });
    expect(asText.status).toBe(400);
    expect(asText.data).toBeUndefined();
    expect(asText.errors).toEqual([
      expect.objectContaining({
        message: expect.stringContaining('This operation (sent as text) is not in the trusted documents manifest'),
        extensions: { code: 'PERSISTED_QUERY_NOT_IN_LIST' },
      }),
    ]);
    expect(errorCodes(await byId(system.routerUrl, UNLISTED, { id: roomId }))).toEqual(['PERSISTED_QUERY_NOT_IN_LIST']);
    // Not GraphQL at all: refused for what it is not (in the list), never parsed.
    expect(errorCodes(await system.graphql('{ this is not GraphQL', {}))).toEqual(['PERSISTED_QUERY_NOT_IN_LIST']);
    expect(await trustedDocumentsCount(system.routerUrl, 'refused')).toBe(before + 3);
  });

  it('refuses an unlisted subscription over graphql-ws, and serves a listed one', async () => {
    const live = connectLive(system.routerUrl);
    try {
      const refused = live.subscribe(`subscription { roomChanged { id } }`);
      const { error } = await refused.ended;
      expect((error as { extensions?: { code?: string } }[]).map((each) => each.extensions?.code)).toEqual([
        'PERSISTED_QUERY_NOT_IN_LIST',
      ]);
      const listed = live.subscribe(ROOM_CHANGED);
      // The subscription is open once an event reaches it: rooms are registered until one is seen.
      const host = await tokenFor('hana', ['HOST']);
      const registered = new Set<string>();
      await waitFor(async () => {
        registered.add(await registerRoom(system, host, { name: 'Seen live' }));
        return listed.results.some((result) => registered.has(result.data?.roomChanged?.id as string));
      });
      expect(listed.results[0].errors).toBeUndefined();
      listed.stop();
    } finally {
      await live.dispose();
    }
  });
});

describe('audit', () => {
  it('serves an unlisted operation and counts it as a miss; a listed one is a hit', async () => {
    const [misses, hits] = [
      await trustedDocumentsCount(auditing.url, 'miss'),
      await trustedDocumentsCount(auditing.url, 'hit'),
    ];
    const unlisted = await postGraphQL(auditing.url, UNLISTED, { id: roomId });
    expect(unlisted).toEqual({ status: 200, data: { room: { id: roomId, capacity: 2 } } });
    const listed = await byId(auditing.url, ROOM, { id: roomId });
    expect(listed.data).toEqual({ room: { id: roomId, name: expect.any(String), city: 'Porto' } });
    expect(await trustedDocumentsCount(auditing.url, 'miss')).toBe(misses + 1);
    expect(await trustedDocumentsCount(auditing.url, 'hit')).toBe(hits + 1);
  });
});

it('takes a manifest replaced on disk without a restart', async () => {
  expect(errorCodes(await byId(system.routerUrl, ROOM_CITY, { id: roomId }))).toEqual(['PERSISTED_QUERY_NOT_IN_LIST']);
  // As a deployment replaces it: written beside it, then renamed over it.
  const next = join(folder, 'next.json');
  writeFileSync(next, manifestOf({ Register: REGISTER, RoomCity: ROOM_CITY }));
  renameSync(next, manifestPath);

  await waitFor(async () => (await byId(system.routerUrl, ROOM_CITY, { id: roomId })).data !== undefined);
  expect((await byId(system.routerUrl, ROOM_CITY, { id: roomId })).data).toEqual({ room: { city: 'Porto' } });
  // The operation the new manifest no longer lists is refused from then on.
  expect(errorCodes(await byId(system.routerUrl, ROOM, { id: roomId }))).toEqual(['PERSISTED_QUERY_NOT_IN_LIST']);
});

it('reads the manifest again on SIGHUP, for a change its folder does not show', async () => {
  // The path named is a link into another folder, as a deployment's may be: a write there is not
  // seen in the link's folder, so only the signal tells the router to read it again.
  const elsewhere = join(folder, 'elsewhere');
  const linked = join(folder, 'linked');
  mkdirSync(elsewhere);
  mkdirSync(linked);
  writeFileSync(join(elsewhere, 'manifest.json'), manifestOf({ Room: ROOM }));
  symlinkSync(join(elsewhere, 'manifest.json'), join(linked, 'manifest.json'));
  const router = await system.spawnRouter({
    PERSISTED_DOCUMENTS_PATH: join(linked, 'manifest.json'),
    PERSISTED_DOCUMENTS_MODE: 'enforce',
  });
  try {
    expect(errorCodes(await byId(router.url, UNLISTED, { id: roomId }))).toEqual(['PERSISTED_QUERY_NOT_IN_LIST']);
    writeFileSync(join(elsewhere, 'manifest.json'), manifestOf({ Room: ROOM, Unlisted: UNLISTED }));
    router.signal('SIGHUP');
    await waitFor(async () => {
      router.assertRunning();
      return (await byId(router.url, UNLISTED, { id: roomId })).data !== undefined;
    });
    expect((await byId(router.url, UNLISTED, { id: roomId })).data).toEqual({ room: { id: roomId, capacity: 2 } });
  } finally {
    await router.stop();
  }
});

/** Polls a condition (the router's state changes on its own time), failing after 10 s. */
async function waitFor(condition: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('the condition did not hold within 10 s');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
