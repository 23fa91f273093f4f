/**
 * @defer through the router against the real subgraphs: a client that accepts
 * `multipart/mixed;deferSpec=20220824` gets the answer in parts, the deferred fields once their
 * subgraph has answered; any other client gets the same operation in one response.
 */
import { ApolloClient, HttpLink, InMemoryCache, gql } from '@apollo/client';
import { Defer20220824Handler } from '@apollo/client/incremental';
import { registerRoom, inDays } from '../../test/support/booking';
import { startSubgraphProxy, type SubgraphProxy } from '../../test/support/subgraphProxy';
import { startSystem, type TestSystem } from '../../test/support/system';
import { tokenFor } from '../../test/support/tokens';

const ACCEPT_PARTS = 'multipart/mixed;deferSpec=20220824,application/json';

let system: TestSystem;
let reservation: SubgraphProxy;
let roomId: string;

beforeAll(async () => {
  reservation = await startSubgraphProxy();
  system = await startSystem(['room', 'reservation'], { router: { SUBGRAPH_RESERVATION_URL: reservation.url } });
  reservation.target = system.subgraph('reservation').url;
  roomId = await registerRoom(system, await tokenFor('hana', ['HOST']), { name: 'Deferred studio' });
});
afterAll(async () => {
  await system.stop();
  await reservation.close();
});

type Payload = Record<string, any>;

/** The payloads of a multipart/mixed answer, each as soon as it has arrived. */
async function* partsOf(response: Response): AsyncGenerator<Payload> {
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    const segments = buffer.split('\r\n---');
    buffer = segments.pop()!;
    for (const segment of segments) {
      const body = segment.indexOf('\r\n\r\n');
      if (body >= 0) yield JSON.parse(segment.slice(body + 4)) as Payload;
    }
  }
}

function post(query: string, variables: Record<string, unknown>, accept?: string): Promise<Response> {
  return fetch(system.routerUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(accept ? { accept } : {}) },
    body: JSON.stringify({ query, variables }),
  });
}

/** What a client makes of the payloads: each incremental part's data merged at its path. */
function merged(payloads: readonly Payload[]): Payload {
  const merge = (target: any, source: any): any => {
    if (source === null || typeof source !== 'object' || target === null || typeof target !== 'object') return source;
    for (const [key, value] of Object.entries(source)) target[key] = merge(target[key], value);
    return target;
  };
  const data = structuredClone(payloads[0].data);
  for (const payload of payloads.slice(1)) {
    for (const { data: part, path } of payload.incremental as { data: Payload; path: (string | number)[] }[]) {
      let at = data;
      for (const key of path) at = at[key];
      merge(at, part);
    }
  }
  return data;
}

const stayArguments = `checkIn: "${inDays(5)}", checkOut: "${inDays(6)}"`;
const ROOM_DEFERRED = `query($id: ID!) { room(id: $id) { id name ... @defer { isAvailable(${stayArguments}) } } }`;

it('sends the initial part before the slow deferred subgraph answers, the deferred fields after', async () => {
  const before = reservation.requests;
  reservation.hold();
  let released = false;
  try {
    const response = await post(ROOM_DEFERRED, { id: roomId }, ACCEPT_PARTS);
    expect(response.headers.get('content-type')).toBe('multipart/mixed; boundary="-"; deferSpec=20220824');
    const parts = partsOf(response);
    const first = await parts.next();
    // The reservation subgraph holds its fetch: whatever came so far came without it.
    expect(first.value).toEqual({ data: { room: { id: roomId, name: 'Deferred studio' } }, hasNext: true });
    await reservation.untilRequests(before + 1);
    reservation.release();
    released = true;
    const rest: Payload[] = [];
    for await (const part of parts) rest.push(part);
    expect(rest.at(-1)!.hasNext).toBe(false);
    expect(rest.flatMap((part) => part.incremental).some((item: Payload) => item.errors)).toBe(false);
    expect(merged([first.value, ...rest])).toEqual({
      room: { id: roomId, name: 'Deferred studio', isAvailable: true },
    });
  } finally {
    if (!released) reservation.release();
  }
});

it('merges the parts into the data of the same operation answered at once, as without @defer', async () => {
  const query = `{ rooms(first: 5) { totalCount edges { node { id name ... on Room @defer { status isAvailable(${stayArguments}) } } } } }`;
  const parts: Payload[] = [];
  for await (const part of partsOf(await post(query, {}, ACCEPT_PARTS))) parts.push(part);
  expect(parts.length).toBeGreaterThan(1);
  expect(parts[0].data.rooms.edges[0].node).not.toHaveProperty('isAvailable');

  // Without the multipart Accept: one response, the deferred fields in it.
  const once = await post(query, {}, 'application/json');
  expect(once.headers.get('content-type')).toMatch(/^application\/json/);
  const onceBody = (await once.json()) as Payload;
  expect(onceBody).not.toHaveProperty('hasNext');
  const undeferred = (await (await post(query.replace(' @defer', ''), {})).json()) as Payload;
  expect(undeferred.data.rooms.edges.length).toBeGreaterThan(0);
  expect(onceBody.data).toEqual(undeferred.data);
  expect(merged(parts)).toEqual(undeferred.data);
});

it('reports an error of a deferred part in that part', async () => {
  const query = `query($id: ID!) { room(id: $id) { id name ... @defer { isAvailable(checkIn: "${inDays(6)}", checkOut: "${inDays(5)}") } } }`;
  const parts: Payload[] = [];
  // Accepting parts only, as curl may ask.
  for await (const part of partsOf(await post(query, { id: roomId }, 'multipart/mixed;deferSpec=20220824')))
    parts.push(part);
  expect(parts[0]).toEqual({ data: { room: { id: roomId, name: 'Deferred studio' } }, hasNext: true });
  const deferred = parts.slice(1).flatMap((part) => part.incremental as Payload[]);
  const errors = deferred.flatMap((item) => item.errors ?? []);
  expect(errors).toEqual([
    expect.objectContaining({
      path: ['room', 'isAvailable'],
      extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }),
    }),
  ]);
});

it('lets Apollo Client, with its HttpLink, read the initial fields first and the deferred ones when they come', async () => {
  const client = new ApolloClient({
    link: new HttpLink({ uri: system.routerUrl }),
    cache: new InMemoryCache(),
    incrementalHandler: new Defer20220824Handler(),
  });
  const before = reservation.requests;
  reservation.hold();
  let released = false;
  try {
    let show: (data: Payload) => void = () => undefined;
    const shown = new Promise<Payload>((resolve) => (show = resolve));
    const complete = new Promise<Payload>((resolve, reject) => {
      client.watchQuery({ query: gql(ROOM_DEFERRED), variables: { id: roomId } }).subscribe({
        next: (result) => {
          if (!result.data) return;
          if ((result.data as Payload).room?.name) show(result.data);
          if ((result.data as Payload).room?.isAvailable !== undefined) resolve(result.data);
        },
        error: reject,
      });
    });
    await reservation.untilRequests(before + 1);
    // While the reservation subgraph holds its fetch, the client already shows the room.
    expect((await shown).room).toEqual({ __typename: 'Room', id: roomId, name: 'Deferred studio' });
    reservation.release();
    released = true;
    expect(await complete).toEqual({
      room: { __typename: 'Room', id: roomId, name: 'Deferred studio', isAvailable: true },
    });
  } finally {
    if (!released) reservation.release();
    client.stop();
  }
});
