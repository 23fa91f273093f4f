import { MongoClient } from 'mongodb';
import { startSystem, type TestSystem } from '../../../test/support/system';
import { eventually, readStream } from '../../../test/support/streams';
import { tokenFor } from '../../../test/support/tokens';

const REGISTER = `mutation($input: RegisterRoomInput!) { registerRoom(input: $input) { id } }`;
const UPDATE = `mutation($id: ID!, $input: UpdateRoomInput!) { updateRoom(id: $id, input: $input) { id } }`;
const REMOVE = `mutation($id: ID!) { removeRoom(id: $id) { id } }`;
const listing = { name: 'Cabin', city: 'Bergen', capacity: 3, pricePerNight: { amount: 9000, currency: 'NOK' } };

let system: TestSystem;
let host: string;
let mongo: MongoClient;

beforeAll(async () => {
  system = await startSystem(['room']);
  host = await tokenFor('hana', ['HOST']);
  mongo = await new MongoClient(system.mongoUrl).connect();
});
afterAll(async () => {
  await mongo.close();
  await system.stop();
});

async function roomEvents(roomId: string) {
  return (await readStream(system.nats.url, 'ROOMS')).filter(({ event }) => event.aggregateId === roomId);
}

async function outboxDrained(roomId: string): Promise<boolean> {
  const room = await mongo
    .db(`${system.dbPrefix}_room`)
    .collection<{ _id: string; outbox: unknown[] }>('rooms')
    .findOne({ _id: roomId });
  return room !== null && room.outbox.length === 0;
}

async function mutate(query: string, variables: Record<string, unknown>): Promise<string> {
  const response = await system.graphql(query, variables, host);
  expect(response.errors).toBeUndefined();
  return (Object.values(response.data!)[0] as { id: string }).id;
}

it('publishes each room change exactly once, in order, as an event envelope', async () => {
  const roomId = await mutate(REGISTER, { input: listing });
  await mutate(UPDATE, { id: roomId, input: { capacity: 4 } });
  await mutate(REMOVE, { id: roomId });

  await eventually(() => outboxDrained(roomId), Boolean);
  const stored = await roomEvents(roomId);
  expect(stored.map(({ subject }) => subject)).toEqual(['rooms.registered', 'rooms.updated', 'rooms.removed']);
  expect(stored.map(({ event }) => [event.type, event.aggregateVersion])).toEqual([
    ['RoomRegistered', 1],
    ['RoomUpdated', 2],
    ['RoomRemoved', 3],
  ]);
  for (const { event, headers } of stored) {
    expect(event.correlationId).toBe(roomId);
    expect(headers['Nats-Msg-Id']).toBe(event.id);
    expect(Date.parse(event.occurredAt)).not.toBeNaN();
  }
  expect(stored[1].event.data).toMatchObject({
    changed: ['capacity'],
    room: { id: roomId, capacity: 4, hostId: 'hana' },
  });
  expect(stored[2].event.data).toMatchObject({ room: { status: 'REMOVED' } });
});

it('keeps changes made while NATS is down and publishes them exactly once when it is back', async () => {
  await system.nats.stop();
  const roomId = await mutate(REGISTER, { input: listing });
  await mutate(UPDATE, { id: roomId, input: { name: 'Cabin by the fjord' } });
  expect(await outboxDrained(roomId)).toBe(false);

  await system.nats.start();
  await eventually(() => outboxDrained(roomId), Boolean);
  const stored = await roomEvents(roomId);
  expect(stored.map(({ event }) => [event.type, event.aggregateVersion])).toEqual([
    ['RoomRegistered', 1],
    ['RoomUpdated', 2],
  ]);
  expect(new Set(stored.map(({ event }) => event.id)).size).toBe(2);
});
