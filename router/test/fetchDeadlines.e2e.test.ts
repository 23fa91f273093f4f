/**
 * The router stops working for nothing: a subgraph fetch that takes longer than its deadline is
 * answered SERVICE_UNAVAILABLE, and a client that goes away gets no further fetches.
 */
import { registerRoom, inDays } from '../../test/support/booking';
import { errorCodes, postGraphQL, type GraphQLResponse } from '../../test/support/graphqlClient';
import { startSubgraphProxy, type SubgraphProxy } from '../../test/support/subgraphProxy';
import { startSystem, type TestSystem } from '../../test/support/system';
import { tokenFor } from '../../test/support/tokens';

let system: TestSystem;
let room: SubgraphProxy;
let reservation: SubgraphProxy;
let host: string;
/**
 * Every fetch of these tests has it, the rooms they register too: long enough for a cold service's
 * first answer on a machine busy with the rest of the suite (the first registerRoom took over 1 s
 * at a load of 12 on 2 cores), short enough to wait for once.
 */
const DEADLINE_MS = 5_000;

beforeAll(async () => {
  [room, reservation] = await Promise.all([startSubgraphProxy(), startSubgraphProxy()]);
  system = await startSystem(['room', 'reservation'], {
    router: {
      SUBGRAPH_ROOM_URL: room.url,
      SUBGRAPH_RESERVATION_URL: reservation.url,
      SUBGRAPH_TIMEOUT_MS: String(DEADLINE_MS),
    },
  });
  room.target = system.subgraph('room').url;
  reservation.target = system.subgraph('reservation').url;
  host = await tokenFor('hana', ['HOST']);
});
afterAll(async () => {
  await system.stop();
  await Promise.all([room.close(), reservation.close()]);
});

/** Operations the router has finished (answered, or given up on its client), of one type. */
async function operationsDone(type: 'query' | 'mutation'): Promise<number> {
  const text = await (await fetch(system.routerUrl.replace(/\/graphql$/, '/metrics'))).text();
  return [
    ...text.matchAll(
      new RegExp(`^graphql_operation_duration_seconds_count\\{[^}]*type="${type}"[^}]*\\} (\\d+)`, 'gm'),
    ),
  ].reduce((sum, [, count]) => sum + Number(count), 0);
}

async function untilOperationsDone(type: 'query' | 'mutation', count: number): Promise<void> {
  while ((await operationsDone(type)) < count) await new Promise((resolve) => setImmediate(resolve));
}

/**
 * Sends a request whose client leaves while the room subgraph holds its first fetch, then lets
 * that fetch be answered, and resolves once the router has finished the operation.
 */
async function leaveDuringRoomFetch(
  type: 'query' | 'mutation',
  request: { body: unknown; token?: string },
): Promise<void> {
  const [roomBefore, doneBefore] = [room.requests, await operationsDone(type)];
  room.hold();
  const client = new AbortController();
  const leaving = fetch(system.routerUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(request.token ? { authorization: `Bearer ${request.token}` } : {}),
    },
    body: JSON.stringify(request.body),
    signal: client.signal,
  }).catch(() => 'gone');
  await room.untilRequests(roomBefore + 1);
  client.abort();
  expect(await leaving).toBe('gone');
  room.release();
  await untilOperationsDone(type, doneBefore + 1);
}

it('answers SERVICE_UNAVAILABLE when a subgraph does not answer within the deadline', async () => {
  room.hold();
  try {
    // The client's own bound only keeps a router without deadlines from hanging the test.
    const answer = await fetch(system.routerUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: `{ rooms { totalCount } }` }),
      signal: AbortSignal.timeout(4 * DEADLINE_MS),
    });
    const response = { status: answer.status, ...((await answer.json()) as Omit<GraphQLResponse, 'status'>) };
    expect(errorCodes(response)).toEqual(['SERVICE_UNAVAILABLE']);
    expect(response.errors![0].message).toBe(`The room service did not answer within ${DEADLINE_MS} ms; retry later`);
  } finally {
    room.release();
  }
  const after = await system.graphql(`{ rooms { totalCount } }`);
  expect(after.errors).toBeUndefined();
});

it('sends no further fetch of a query plan once its client has gone', async () => {
  const roomId = await registerRoom(system, host, { name: 'Gone' });
  const query = `query($id: ID!) { room(id: $id) { name isAvailable(checkIn: "${inDays(5)}", checkOut: "${inDays(6)}") } }`;
  const reservationBefore = reservation.requests;
  await leaveDuringRoomFetch('query', { body: { query, variables: { id: roomId } } });
  // The room's answer (had it come) would have led to the reservation subgraph for isAvailable.
  expect(reservation.requests).toBe(reservationBefore);
});

it('lets the mutation in flight of a client that has gone finish, and sends none of the fetches after it', async () => {
  const registerAndCheck = `mutation {
    registerRoom(input: { name: "Left", city: "Nowhere", capacity: 1, pricePerNight: { amount: 100, currency: "EUR" } }) {
      id isAvailable(checkIn: "${inDays(5)}", checkOut: "${inDays(6)}")
    }
  }`;
  const reservationBefore = reservation.requests;
  await leaveDuringRoomFetch('mutation', { body: { query: registerAndCheck }, token: host });
  expect(reservation.requests).toBe(reservationBefore);
  const registered = await postGraphQL(system.routerUrl, `{ rooms(filter: { city: "Nowhere" }) { totalCount } }`);
  expect(registered.data!.rooms.totalCount).toBe(1);
});
