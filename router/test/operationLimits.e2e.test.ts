/**
 * One anonymous request must not stall everyone: an operation that asks too much (aliases,
 * directives, root fields, fields, or an estimated cost counting pages and nights) is refused by
 * the router before any subgraph hears of it, with an error that names the limit.
 */
import { inDays, registerRoom } from '../../test/support/booking';
import { errorCodes } from '../../test/support/graphqlClient';
import { connectLive } from '../../test/support/liveClient';
import { startSubgraphProxy, type SubgraphProxy } from '../../test/support/subgraphProxy';
import { startSystem, type TestSystem } from '../../test/support/system';
import { tokenFor } from '../../test/support/tokens';

let system: TestSystem;
let room: SubgraphProxy;
let reservation: SubgraphProxy;
let roomId: string;

const ONE_NIGHT = `query($id: ID!, $checkIn: Date!, $checkOut: Date!) {
  room(id: $id) { name isAvailable(checkIn: $checkIn, checkOut: $checkOut) }
}`;
const oneNight = () => ({ id: roomId, checkIn: inDays(30), checkOut: inDays(31) });

beforeAll(async () => {
  [room, reservation] = await Promise.all([startSubgraphProxy(), startSubgraphProxy()]);
  // Defaults, but for the two limits whose defaults would take pages of query text to reach.
  system = await startSystem(['room', 'reservation'], {
    router: {
      SUBGRAPH_ROOM_URL: room.url,
      SUBGRAPH_RESERVATION_URL: reservation.url,
      MAX_ROOT_FIELDS: '5',
      MAX_QUERY_FIELDS: '40',
    },
  });
  room.target = system.subgraph('room').url;
  reservation.target = system.subgraph('reservation').url;
  roomId = await registerRoom(system, await tokenFor('hana', ['HOST']), { name: 'Attic' });
  // The reservation subgraph learns of the room from its event; wait until it has.
  while (!(await system.graphql(ONE_NIGHT, oneNight())).data?.room?.isAvailable);
});
afterAll(async () => {
  await system.stop();
  await Promise.all([room.close(), reservation.close()]);
});

const subgraphRequests = () => room.requests + reservation.requests;

it('refuses 1,500 aliases of a year of availability at once, while an ordinary check is answered', async () => {
  const checkIn = inDays(1);
  const checkOut = inDays(366);
  const aliases = Array.from({ length: 1_500 }, (_, index) => `a${index}:room(id:$r){...Year}`);
  const flood = `query($r:ID!){${aliases.join(' ')}} fragment Year on Room{isAvailable(checkIn:"${checkIn}",checkOut:"${checkOut}")}`;
  expect(flood.length).toBeGreaterThan(30_000);
  const [roomBefore, reservationBefore] = [room.requests, reservation.requests];

  const [refused, ordinary] = await Promise.all([
    system.graphql(flood, { r: roomId }),
    system.graphql(ONE_NIGHT, oneNight()),
  ]);

  expect(refused.status).toBe(400);
  expect(errorCodes(refused)).toEqual(['BAD_USER_INPUT']);
  expect(refused.errors![0].message).toMatch(/Aliases limit of 15 exceeded, found 1500 \(MAX_QUERY_ALIASES\)/);
  expect(refused.data).toBeUndefined();
  expect(ordinary.errors).toBeUndefined();
  expect(ordinary.data).toEqual({ room: { name: 'Attic', isAvailable: true } });
  // The ordinary check's own two fetches, and not one for the refused request.
  expect([room.requests - roomBefore, reservation.requests - reservationBefore]).toEqual([1, 1]);
});

it('estimates cost by page size and nights, and refuses what is over the limit before any fetch', async () => {
  const availablePage = (first: number, nights: number) =>
    `{ rooms(first: ${first}) { edges { node { id isAvailable(checkIn: "${inDays(1)}", checkOut: "${inDays(1 + nights)}") } } } }`;
  // 1 + 50 × (1 + 1 + 1 + 365) = 18,401 > 5,000: fifty rooms for a year.
  const before = subgraphRequests();
  const tooCostly = await system.graphql(availablePage(50, 365));
  expect(tooCostly.status).toBe(400);
  expect(errorCodes(tooCostly)).toEqual(['BAD_USER_INPUT']);
  expect(tooCostly.errors![0].message).toMatch(/Cost limit of 5000 exceeded, estimated 18401 \(MAX_QUERY_COST\)/);
  expect(subgraphRequests()).toBe(before);

  // Twenty rooms for a week: 1 + 20 × (3 + 7) = 201.
  const week = await system.graphql(availablePage(20, 7));
  expect(week.errors).toBeUndefined();
  expect(week.data!.rooms.edges).toContainEqual({ node: { id: roomId, isAvailable: true } });
  // A single room for a whole year is an ordinary question.
  const year = await system.graphql(ONE_NIGHT, { ...oneNight(), checkOut: inDays(395) });
  expect(year.errors).toBeUndefined();
});

it.each([
  [
    'root fields',
    `{ a: room(id: "x") { id } b: room(id: "x") { id } c: room(id: "x") { id } d: room(id: "x") { id } e: room(id: "x") { id } f: room(id: "x") { id } }`,
    /Root fields limit of 5 exceeded \(MAX_ROOT_FIELDS\)/,
  ],
  [
    'fields, fragments counted where spread',
    `fragment Listing on Room { id hostId name description city capacity amenities status createdAt updatedAt reviewCount averageRating }
     { rooms { edges { node { ...Listing reviews { edges { node { id rating comment } } } } } }
       more: rooms { edges { node { ...Listing } } }
       again: rooms { edges { node { ...Listing } } } }`,
    /Fields limit of 40 exceeded \(MAX_QUERY_FIELDS\)/,
  ],
  [
    'directives',
    `{ rooms { ${'... @include(if: true) { totalCount } '.repeat(51)} } }`,
    /Directives limit of 50 exceeded, found 51 \(MAX_QUERY_DIRECTIVES\)/,
  ],
])('refuses too many %s, naming the limit', async (_what, query, message) => {
  const before = subgraphRequests();
  const response = await system.graphql(query);
  expect(response.status).toBe(400);
  expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
  expect(response.errors![0].message).toMatch(message);
  expect(subgraphRequests()).toBe(before);
});

it('holds subscriptions to the same limits, since each event costs their payload again', async () => {
  const live = connectLive(system.routerUrl);
  try {
    // Cheap per event, but over the alias limit: what an HTTP query of the same shape would be refused for.
    const checks = Array.from({ length: 16 }, (_, index) => `name${index}: name`);
    let firstEvent: (result: unknown) => void = () => undefined;
    const served = new Promise((resolve) => (firstEvent = resolve));
    const tap = live.subscribe(`subscription { roomChanged { id ${checks.join(' ')} } }`, {}, firstEvent);
    let costly: { completed: boolean; error?: unknown } | undefined;
    const settled = Promise.race([tap.ended, served.then(() => ({ completed: true, error: 'served an event' }))]);
    void settled.then((outcome) => (costly = outcome));
    // Room changes until it is refused, or served (as a router without the limit would, once subscribed).
    const host = await tokenFor('hana', ['HOST']);
    while (!costly) {
      await registerRoom(system, host, { name: 'Changed' });

      await Promise.race([settled, new Promise((resolve) => setImmediate(resolve))]);
    }
    expect(costly.completed).toBe(false);
    const errors = costly.error as { message: string; extensions?: { code?: string } }[];
    expect(errors.map((error) => error.extensions?.code)).toEqual(['BAD_USER_INPUT']);
    expect(errors[0].message).toMatch(/Aliases limit of 15 exceeded, found 16 \(MAX_QUERY_ALIASES\)/);
  } finally {
    await live.dispose();
  }
});

it('serves a subscription at the limit: its payload is not checked again, per event, as another query', async () => {
  const live = connectLive(system.routerUrl);
  try {
    const roomId = await registerRoom(system, await tokenFor('hana', ['HOST']), { name: 'Watched' });
    const names = Array.from({ length: 15 }, (_, index) => `name${index}: name`);
    let firstEvent: (result: unknown) => void = () => undefined;
    const served = new Promise((resolve) => (firstEvent = resolve));
    live.subscribe(
      `subscription($roomId: ID) { roomChanged(roomId: $roomId) { id ${names.join(' ')} } }`,
      { roomId },
      firstEvent,
    );
    const host = await tokenFor('hana', ['HOST']);
    let result: unknown;
    void served.then((first) => (result = first));
    // Changes of the room until one reaches the subscriber (the first may come before it is subscribed).
    for (let change = 0; !result; change += 1) {
      await system.graphql(
        `mutation($id: ID!, $name: String!) { updateRoom(id: $id, input: { name: $name }) { id } }`,
        { id: roomId, name: `Watched ${change}` },
        host,
      );
      await Promise.race([served, new Promise((resolve) => setImmediate(resolve))]);
    }
    expect(result).toEqual({
      data: { roomChanged: expect.objectContaining({ id: roomId, name14: expect.stringMatching(/^Watched/) }) },
      extensions: { cursor: expect.any(String) },
    });
  } finally {
    await live.dispose();
  }
});
