/**
 * A page of entities costs one database query per field, not one per entity: the gateway asks a
 * subgraph for a field of 20 rooms in one request, and the subgraph answers it with one query.
 * Counted at the driver (mongoose's command hook), through the real router.
 */
import mongoose from 'mongoose';
import type { GraphQLResponse } from './support/graphqlClient';
import { RESERVE, inDays, registerRoom, stay } from './support/booking';
import { consumerHasAcked, eventually, readStream } from './support/streams';
import { startSystem, type TestSystem } from './support/system';
import { tokenFor } from './support/tokens';

let system: TestSystem;
let host: string;
let guest: string;

beforeAll(async () => {
  system = await startSystem(['room', 'payment', 'reservation', 'review', 'dashboard']);
  [host, guest] = await Promise.all([tokenFor('hana', ['HOST']), tokenFor('gus', ['GUEST'])]);
});
afterAll(async () => {
  mongoose.set('debug', false);
  await system.stop();
});

interface Query {
  readonly collection: string;
  readonly method: string;
  readonly filter: unknown;
}

/** The queries the services send to MongoDB while `work` runs. */
async function queriesDuring(work: () => Promise<void>): Promise<Query[]> {
  const seen: Query[] = [];
  mongoose.set('debug', (collection: string, method: string, filter: unknown) => {
    seen.push({ collection, method, filter });
  });
  try {
    await work();
  } finally {
    mongoose.set('debug', false);
  }
  return seen;
}

/** Reads of `collection` by a list of ids (the shape of a batch; a sweep or a poll reads otherwise). */
const batchReads = (queries: Query[], collection: string) =>
  queries.filter(
    (query) =>
      query.collection === collection &&
      (query.method === 'find' || query.method === 'findOne') &&
      JSON.stringify(query.filter).includes('"$in"'),
  );
const READS = ['find', 'findOne', 'countDocuments', 'aggregate'];
const readsOf = (queries: Query[], collection: string) =>
  queries.filter((query) => query.collection === collection && READS.includes(query.method));
/**
 * The reads that are about these entities: the services' own background work (payment's recovery
 * sweep, the outbox relays) reads the same collections at any moment, and is not the page's cost.
 */
const readsAbout = (queries: Query[], collection: string, ids: readonly string[]) =>
  readsOf(queries, collection).filter((query) => ids.some((id) => JSON.stringify(query.filter).includes(id)));

it('answers isAvailable for a page of 20 rooms with one query of the night ledger and nothing else', async () => {
  const city = `Batchville-${Date.now()}`;
  const rooms: string[] = [];
  for (let index = 0; index < 20; index += 1) rooms.push(await registerRoom(system, host, { city }));
  const booked = await system.graphql(RESERVE, { input: stay(rooms[3], 30, 32) }, guest);
  expect(booked.errors).toBeUndefined();
  const PAGE = `query($city: String!, $checkIn: Date!, $checkOut: Date!) {
    rooms(filter: { city: $city }, first: 20) { edges { node { id isAvailable(checkIn: $checkIn, checkOut: $checkOut) } } }
  }`;
  const variables = { city, checkIn: inDays(31), checkOut: inDays(33) };
  // Once, so the reservation service's replica knows every room (it asks the room service about
  // a room no event has told it of yet, one by one; that is not the page's cost).
  expect((await system.graphql(PAGE, variables)).errors).toBeUndefined();

  let page: GraphQLResponse<Record<string, any>> | undefined;
  const queries = await queriesDuring(async () => {
    page = await system.graphql(PAGE, variables);
  });

  expect(page!.errors).toBeUndefined();
  const availability = page!.data!.rooms.edges.map((edge: { node: { id: string; isAvailable: boolean } }) => edge.node);
  expect(availability).toHaveLength(20);
  expect(availability.filter((room: { isAvailable: boolean }) => !room.isAvailable)).toEqual([
    { id: rooms[3], isAvailable: false },
  ]);
  expect(readsAbout(queries, 'night_claims', rooms)).toHaveLength(1);
  // Whether each room is listed comes from the room service with the page, not from a lookup.
  expect(readsAbout(queries, 'room_replicas', rooms)).toHaveLength(0);
});

it("reads the payments and rooms of a guest's page of reservations with one query each", async () => {
  const roomIds = [await registerRoom(system, host), await registerRoom(system, host)];
  const reader = await tokenFor(`batch-guest-${Date.now()}`, ['GUEST']);
  const bookings: string[] = [];
  for (const [index, roomId] of [...roomIds, ...roomIds].entries()) {
    const nights = 40 + index * 3;
    const booked = await system.graphql(RESERVE, { input: stay(roomId, nights, nights + 1) }, reader);
    expect(booked.errors).toBeUndefined();
    bookings.push(booked.data!.reserveRoom.id);
  }
  // The payment service also hears of each booking from its event and looks its payment up by
  // reservation; on a busy machine that comes after the answer. Not the page's cost: let it pass.
  const requested = await eventually(
    async () =>
      (await readStream(system.nats.url, 'RESERVATIONS')).filter(
        ({ event }) =>
          event.type === 'ReservationRequested' &&
          bookings.includes((event.data as { reservationId: string }).reservationId),
      ),
    (events) => events.length === bookings.length,
  );
  const lastRequest = Math.max(...requested.map(({ sequence }) => sequence));
  await eventually(
    () => consumerHasAcked(system.nats.url, 'RESERVATIONS', 'payment-reservations', lastRequest),
    Boolean,
  );
  const PAGE = `{ myReservations(first: 10) { edges { node { id payment { id status } room { id name } } } } }`;

  let page: GraphQLResponse<Record<string, any>> | undefined;
  const queries = await queriesDuring(async () => {
    page = await system.graphql(PAGE, {}, reader);
  });

  expect(page!.errors).toBeUndefined();
  const reservations = page!.data!.myReservations.edges.map(
    (edge: { node: { id: string; payment: { id: string; status: string }; room: { id: string } } }) => edge.node,
  );
  expect(reservations).toHaveLength(4);
  for (const reservation of reservations) {
    expect(reservation.payment.status).toBe('APPROVED');
    expect(roomIds).toContain(reservation.room.id);
  }
  const pageIds = reservations.flatMap((reservation: { id: string; payment: { id: string } }) => [
    reservation.id,
    reservation.payment.id,
  ]);
  const paymentReads = readsAbout(queries, 'payments', pageIds);
  expect(paymentReads).toHaveLength(1);
  expect(batchReads(paymentReads, 'payments')).toHaveLength(1);
  const roomReads = readsAbout(queries, 'rooms', roomIds);
  expect(roomReads).toHaveLength(1);
  expect(batchReads(roomReads, 'rooms')).toHaveLength(1);
});

it('counts a list only when the client asks for its totalCount', async () => {
  const city = `Countham-${Date.now()}`;
  for (let index = 0; index < 3; index += 1) await registerRoom(system, host, { city });
  const page = (fields: string) => `query($city: String!) { rooms(filter: { city: $city }, first: 2) { ${fields} } }`;
  // This list's reads (the outbox relay reads the collection too, for its own reasons).
  const listReads = (queries: Query[]) =>
    readsOf(queries, 'rooms').filter((query) => JSON.stringify(query.filter).includes(city.toLowerCase()));

  let withoutCount: GraphQLResponse<Record<string, any>> | undefined;
  const pageReads = await queriesDuring(async () => {
    withoutCount = await system.graphql(page('edges { node { id } } pageInfo { hasNextPage }'), { city });
  });
  expect(withoutCount!.data!.rooms.edges).toHaveLength(2);
  expect(withoutCount!.data!.rooms.pageInfo.hasNextPage).toBe(true);
  expect(listReads(pageReads).map((query) => query.method)).toEqual(['find']);

  let withCount: GraphQLResponse<Record<string, any>> | undefined;
  const countedReads = await queriesDuring(async () => {
    withCount = await system.graphql(page('totalCount edges { node { id } }'), { city });
  });
  expect(withCount!.errors).toBeUndefined();
  expect(withCount!.data!.rooms.totalCount).toBe(3);
  expect(
    listReads(countedReads)
      .map((query) => query.method)
      .sort(),
  ).toEqual(['countDocuments', 'find']);
});
